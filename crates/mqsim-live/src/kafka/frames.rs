//! Requests and responses on the wire. Every Kafka request is a 4-byte
//! size and that many bytes: a header (the API key, its version, a
//! correlation id and the client's id) and the request itself. The answer
//! is a size, a header carrying the same correlation id, and the response.
//! kafka-protocol reads and writes both; this module cuts the stream into
//! requests, checking the size as Kafka's socket server does before it
//! reads any further, and frames the responses.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{ApiKey, RequestHeader, ResponseHeader};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion};
use std::io;
use tokio::io::{AsyncRead, AsyncReadExt};

/// `socket.request.max.bytes`, Kafka's default: the largest request a
/// broker reads. A larger size closes the connection before its bytes are
/// read, so a connection holds at most one request of this size.
pub const MAX_REQUEST_BYTES: usize = 104_857_600;

/// Why no request could be read.
#[derive(Debug)]
pub enum ReadError {
    /// The client closed its side of the connection.
    Closed,
    Io(io::Error),
    /// A size below 0 or above [`MAX_REQUEST_BYTES`]: Kafka closes the
    /// connection.
    BadSize(i32),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Closed => write!(f, "the client closed the connection"),
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::BadSize(size) => write!(
                f,
                "a request of size {size}, larger than socket.request.max.bytes ({MAX_REQUEST_BYTES}) or negative"
            ),
        }
    }
}

/// Reads the next request's bytes (without its size).
pub async fn read_request(stream: &mut (impl AsyncRead + Unpin)) -> Result<Bytes, ReadError> {
    let mut size = [0u8; 4];
    match stream.read_exact(&mut size).await {
        Ok(_) => {}
        // Clients often reset a connection rather than close it.
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset
            ) =>
        {
            return Err(ReadError::Closed);
        }
        Err(e) => return Err(ReadError::Io(e)),
    }
    let size = i32::from_be_bytes(size);
    let len = usize::try_from(size).map_err(|_| ReadError::BadSize(size))?;
    if len > MAX_REQUEST_BYTES {
        return Err(ReadError::BadSize(size));
    }
    // Grown as the bytes arrive, not reserved up front on the size's word.
    let mut request = Vec::new();
    let read = (stream.take(len as u64).read_to_end(&mut request).await).map_err(ReadError::Io)?;
    if read < len {
        return Err(ReadError::Closed);
    }
    Ok(Bytes::from(request))
}

/// A request's header, read as its API key and version say it is written.
pub struct Request {
    pub api_key: ApiKey,
    pub header: RequestHeader,
    /// The request itself, after the header.
    pub body: Bytes,
}

/// Why a request's header could not be read.
#[derive(Debug)]
pub enum HeaderError {
    /// Fewer bytes than an API key and a version.
    Short,
    /// An API key Kafka does not have: a broker closes the connection.
    UnknownKey(i16),
    /// A header that does not decode.
    Malformed(String),
}

impl std::fmt::Display for HeaderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeaderError::Short => write!(f, "a request too short for a header"),
            HeaderError::UnknownKey(key) => write!(f, "unknown API key {key}"),
            HeaderError::Malformed(why) => {
                write!(f, "a request header that does not decode: {why}")
            }
        }
    }
}

/// Reads the header of `request`.
pub fn header(mut request: Bytes) -> Result<Request, HeaderError> {
    if request.len() < 4 {
        return Err(HeaderError::Short);
    }
    let key = i16::from_be_bytes([request[0], request[1]]);
    let version = i16::from_be_bytes([request[2], request[3]]);
    let api_key = ApiKey::try_from(key).map_err(|()| HeaderError::UnknownKey(key))?;
    let header = RequestHeader::decode(&mut request, api_key.request_header_version(version))
        .map_err(|e| HeaderError::Malformed(e.to_string()))?;
    Ok(Request {
        api_key,
        header,
        body: request,
    })
}

/// Decodes a request's body at its version.
pub fn decode<T: Decodable>(request: &Request) -> Result<T, String> {
    let mut body = request.body.clone();
    let decoded = T::decode(&mut body, request.header.request_api_version).map_err(|e| {
        format!(
            "{:?} v{}: {e}",
            request.api_key, request.header.request_api_version
        )
    })?;
    if body.has_remaining() {
        return Err(format!(
            "{:?} v{}: {} bytes after the request",
            request.api_key,
            request.header.request_api_version,
            body.remaining()
        ));
    }
    Ok(decoded)
}

/// The response to the request with `correlation_id`, framed: its size,
/// its header (at the version the response's own version implies) and
/// `body` at `version`.
pub fn response<R: Encodable + HeaderVersion>(
    correlation_id: i32,
    version: i16,
    body: &R,
) -> Result<Bytes, String> {
    let header_version = R::header_version(version);
    let header = ResponseHeader::default().with_correlation_id(correlation_id);
    let encode = || -> anyhow::Result<Bytes> {
        let size = header.compute_size(header_version)? + body.compute_size(version)?;
        let mut out = BytesMut::with_capacity(4 + size);
        out.put_i32(i32::try_from(size)?);
        header.encode(&mut out, header_version)?;
        body.encode(&mut out, version)?;
        Ok(out.freeze())
    };
    encode().map_err(|e| format!("cannot write a v{version} response: {e}"))
}
