//! Frames on the wire. Every AMQP 0-9-1 frame is a type octet, a channel
//! number, a payload size, the payload and a frame-end octet (206). The
//! codec is amq-protocol's: [`FrameReader`] cuts a connection's bytes into
//! frames with its parser, and refuses a frame larger than the connection's
//! `frame_max` as soon as its size is read, before the payload arrives, so
//! that a connection never holds more than one frame's worth of bytes;
//! [`encode`] writes a frame with its generator.

use amq_protocol::frame::{AMQPFrame, WriteContext, gen_frame, parse_frame};
use std::io;
use tokio::io::{AsyncRead, AsyncReadExt};

/// The protocol header a client opens with: `AMQP`, 0, then version 0-9-1.
pub const PROTOCOL_HEADER: [u8; 8] = *b"AMQP\x00\x00\x09\x01";

/// A frame's bytes besides its payload: type, channel, size and frame end.
pub const FRAME_OVERHEAD: u32 = 8;

/// Why no frame could be read.
#[derive(Debug)]
pub enum ReadError {
    /// The client closed its side of the connection.
    Closed,
    Io(io::Error),
    /// Bytes the parser cannot read as a frame.
    Malformed(String),
    /// A frame larger than the connection's `frame_max`.
    TooLarge {
        size: u64,
        frame_max: u32,
    },
}

/// A connection's incoming bytes, read frame by frame.
pub struct FrameReader {
    buf: Vec<u8>,
    /// Where the unread bytes start in `buf`.
    start: usize,
    /// The largest frame accepted, overhead included.
    pub frame_max: u32,
}

impl FrameReader {
    pub fn new(frame_max: u32) -> FrameReader {
        FrameReader {
            buf: Vec::new(),
            start: 0,
            frame_max,
        }
    }

    /// The 8 bytes a connection opens with: the protocol header.
    pub async fn header<R: AsyncRead + Unpin>(
        &mut self,
        stream: &mut R,
    ) -> Result<[u8; 8], ReadError> {
        while self.unread().len() < 8 {
            self.fill(stream).await?;
        }
        let mut header = [0; 8];
        header.copy_from_slice(&self.unread()[..8]);
        self.start += 8;
        Ok(header)
    }

    /// The next frame. Safe to cancel: what was read stays buffered.
    pub async fn next<R: AsyncRead + Unpin>(
        &mut self,
        stream: &mut R,
    ) -> Result<AMQPFrame, ReadError> {
        loop {
            if let Some(frame) = self.parse()? {
                return Ok(frame);
            }
            self.fill(stream).await?;
        }
    }

    fn unread(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// A whole frame from the front of the buffer, if one is there.
    fn parse(&mut self) -> Result<Option<AMQPFrame>, ReadError> {
        let unread = self.unread();
        if unread.len() >= 7 {
            let size = u32::from_be_bytes([unread[3], unread[4], unread[5], unread[6]]);
            let whole = u64::from(size) + u64::from(FRAME_OVERHEAD);
            if whole > u64::from(self.frame_max) {
                return Err(ReadError::TooLarge {
                    size: whole,
                    frame_max: self.frame_max,
                });
            }
        }
        match parse_frame(unread) {
            Ok((rest, frame)) => {
                self.start += unread.len() - rest.len();
                Ok(Some(frame))
            }
            Err(e) if e.is_incomplete() => Ok(None),
            Err(e) => Err(ReadError::Malformed(e.to_string())),
        }
    }

    /// Reads what the stream has into the buffer, first dropping what was
    /// read before.
    async fn fill<R: AsyncRead + Unpin>(&mut self, stream: &mut R) -> Result<(), ReadError> {
        self.buf.drain(..self.start);
        self.start = 0;
        let mut chunk = [0; 16 * 1024];
        let n = stream.read(&mut chunk).await.map_err(ReadError::Io)?;
        if n == 0 {
            return Err(ReadError::Closed);
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

/// `frame` as bytes on the wire.
pub fn encode(frame: &AMQPFrame) -> io::Result<Vec<u8>> {
    let written = gen_frame(frame)(WriteContext::from(Vec::new()))
        .map_err(|e| io::Error::other(format!("cannot encode {frame}: {e}")))?;
    Ok(written.into_inner().0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use amq_protocol::protocol::{AMQPClass, channel};

    fn open(channel: u16) -> AMQPFrame {
        AMQPFrame::Method(
            channel,
            AMQPClass::Channel(channel::AMQPMethod::Open(channel::Open {})),
        )
    }

    #[tokio::test]
    async fn frames_are_read_whole_however_the_bytes_arrive() {
        let mut bytes = PROTOCOL_HEADER.to_vec();
        bytes.extend(encode(&open(1)).unwrap());
        bytes.extend(encode(&AMQPFrame::Heartbeat).unwrap());
        // One byte at a time.
        let (mut client, mut server) = tokio::io::duplex(1);
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            client.write_all(&bytes).await.unwrap();
        });
        let mut reader = FrameReader::new(4096);
        assert_eq!(reader.header(&mut server).await.unwrap(), PROTOCOL_HEADER);
        assert_eq!(reader.next(&mut server).await.unwrap(), open(1));
        assert_eq!(
            reader.next(&mut server).await.unwrap(),
            AMQPFrame::Heartbeat
        );
        assert!(matches!(
            reader.next(&mut server).await,
            Err(ReadError::Closed)
        ));
    }

    #[tokio::test]
    async fn a_frame_larger_than_frame_max_is_refused_from_its_size() {
        // A method frame that says its payload is 1 GB: refused at once.
        let bytes = [1u8, 0, 1, 0x40, 0, 0, 0];
        let mut reader = FrameReader::new(131_072);
        let mut stream = &bytes[..];
        match reader.next(&mut stream).await {
            Err(ReadError::TooLarge { size, frame_max }) => {
                assert_eq!((size, frame_max), (0x4000_0000 + 8, 131_072));
            }
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn bytes_that_are_no_frame_are_malformed() {
        // A frame of type 9, which AMQP 0-9-1 does not have.
        let bytes = [9u8, 0, 0, 0, 0, 0, 0, 206];
        let mut reader = FrameReader::new(4096);
        let mut stream = &bytes[..];
        assert!(matches!(
            reader.next(&mut stream).await,
            Err(ReadError::Malformed(_))
        ));
    }
}
