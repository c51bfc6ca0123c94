//! Where a value is in a JSON text: the line and column of the value a
//! path names (`rabbit.queues[0].arguments.x-message-ttl`), so that the
//! JSON view can point at a problem validation found the way a reader
//! points at a problem of syntax.

/// The line and column (both from 1) where the value at `path` starts in
/// `text`, or where its nearest enclosing value does; `None` if `text` is
/// not JSON or the path is not in it.
pub fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    let mut found = Vec::new();
    let mut scan = Scan {
        text: text.as_bytes(),
        at: 0,
    };
    scan.value("", &mut found)?;
    let mut wanted = path.to_string();
    loop {
        if let Some((_, offset)) = found.iter().find(|(p, _)| *p == wanted) {
            return Some(line_and_column(text, *offset));
        }
        let cut = wanted.rfind(['.', '['])?;
        wanted.truncate(cut);
    }
}

fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// A reader that notes where each value starts, by its path.
struct Scan<'a> {
    text: &'a [u8],
    at: usize,
}

impl Scan<'_> {
    fn blank(&mut self) {
        while self.text.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.blank();
        (self.text.get(self.at) == Some(&byte)).then(|| self.at += 1)
    }

    fn value(&mut self, path: &str, found: &mut Vec<(String, usize)>) -> Option<()> {
        self.blank();
        found.push((path.to_string(), self.at));
        match self.text.get(self.at)? {
            b'{' => {
                self.at += 1;
                if self.eat(b'}').is_some() {
                    return Some(());
                }
                loop {
                    self.blank();
                    let key = self.string()?;
                    self.eat(b':')?;
                    let inner = if path.is_empty() {
                        key
                    } else {
                        format!("{path}.{key}")
                    };
                    self.value(&inner, found)?;
                    if self.eat(b',').is_none() {
                        return self.eat(b'}');
                    }
                }
            }
            b'[' => {
                self.at += 1;
                if self.eat(b']').is_some() {
                    return Some(());
                }
                for i in 0.. {
                    self.value(&format!("{path}[{i}]"), found)?;
                    if self.eat(b',').is_none() {
                        break;
                    }
                }
                self.eat(b']')
            }
            b'"' => self.string().map(drop),
            _ => {
                while self
                    .text
                    .get(self.at)
                    .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
                {
                    self.at += 1;
                }
                Some(())
            }
        }
    }

    /// A string, its escapes read as serde_json reads them.
    fn string(&mut self) -> Option<String> {
        let start = self.at;
        if self.text.get(self.at) != Some(&b'"') {
            return None;
        }
        self.at += 1;
        loop {
            match self.text.get(self.at)? {
                b'\\' => self.at += 2,
                b'"' => {
                    self.at += 1;
                    let raw = std::str::from_utf8(&self.text[start..self.at]).ok()?;
                    return serde_json::from_str(raw).ok();
                }
                _ => self.at += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_found_where_its_value_starts() {
        let text = "{\n  \"kafka\": {\n    \"topics\": [\n      {\"name\": \"a\", \"partitions\": 0}\n    ]\n  }\n}";
        assert_eq!(locate(text, "kafka.topics[0].partitions"), Some((4, 35)));
        assert_eq!(locate(text, "kafka.topics[0]"), Some((4, 7)));
        // A field that is not written: where its object is.
        assert_eq!(
            locate(text, "kafka.topics[0].replication_factor"),
            Some((4, 7))
        );
        assert_eq!(locate(text, "kafka.cluster.brokers"), Some((2, 12)));
        assert_eq!(
            locate("{\"a\": [1, {\"b\\\"c\": true}]}", "a[1].b\"c"),
            Some((1, 20))
        );
        assert_eq!(locate("{oops", "a"), None);
    }
}
