//! Classifies statements as reads, which are safe to resend when their outcome is unknown.

/// Whether `stmt` only reads: it starts (after whitespace, `--` and `/* */` comments and opening
/// parentheses) with `SELECT`, `SHOW`, `EXPLAIN` or `VALUES`, or with `WITH` and contains no
/// `INSERT`, `UPDATE`, `DELETE` or `COPY` keyword outside literals and quoted identifiers.
///
/// A read whose answer was lost (read timeout, reset) may be resent to another server; anything
/// else might have been executed already and is resent only when the caller opted in.
pub(crate) fn is_read(stmt: &str) -> bool {
    let mut words = Words::new(stmt);
    match words.next() {
        Some(w) if is_kw(w, "select") || is_kw(w, "show") || is_kw(w, "explain") => true,
        Some(w) if is_kw(w, "values") => true,
        Some(w) if is_kw(w, "with") => !words.any(|w| {
            ["insert", "update", "delete", "copy"]
                .iter()
                .any(|kw| is_kw(w, kw))
        }),
        _ => false,
    }
}

fn is_kw(word: &str, kw: &str) -> bool {
    word.eq_ignore_ascii_case(kw)
}

/// Iterates over the bare words of a statement, skipping whitespace, comments, string literals,
/// quoted identifiers and punctuation.
struct Words<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Words<'a> {
    fn new(s: &'a str) -> Self {
        Words { s, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        self.s.get(self.pos..).unwrap_or("")
    }

    /// Moves past the end of `close` (or to the end of the text).
    fn skip_past(&mut self, close: &str) {
        match self.rest().find(close) {
            Some(i) => self.pos += i + close.len(),
            None => self.pos = self.s.len(),
        }
    }

    /// Moves past a quoted token whose quote is doubled inside (`'it''s'`, `"a""b"`).
    fn skip_quoted(&mut self, quote: char) {
        self.pos += quote.len_utf8();
        loop {
            match self.rest().find(quote) {
                Some(i) => {
                    self.pos += i + quote.len_utf8();
                    if self.rest().starts_with(quote) {
                        self.pos += quote.len_utf8();
                    } else {
                        return;
                    }
                }
                None => {
                    self.pos = self.s.len();
                    return;
                }
            }
        }
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            let rest = self.rest();
            let c = rest.chars().next()?;
            if rest.starts_with("--") {
                self.skip_past("\n");
            } else if rest.starts_with("/*") {
                self.pos += 2;
                self.skip_past("*/");
            } else if c == '\'' || c == '"' {
                self.skip_quoted(c);
            } else if c.is_alphabetic() || c == '_' {
                let len = rest
                    .find(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '$'))
                    .unwrap_or(rest.len());
                self.pos += len;
                return rest.get(..len);
            } else {
                self.pos += c.len_utf8();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_read;

    #[test]
    fn reads() {
        for s in [
            "SELECT 1",
            "  select * from t",
            "-- comment\nSELECT 1",
            "/* a */ /* b */ SeLeCt 1",
            "(SELECT 1) UNION (SELECT 2)",
            "SHOW TABLES",
            "EXPLAIN SELECT 1",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "WITH x AS (SELECT 'insert') SELECT \"update\" FROM x",
            "VALUES (1)",
        ] {
            assert!(is_read(s), "{s}");
        }
    }

    #[test]
    fn writes() {
        for s in [
            "INSERT INTO t VALUES (1)",
            "UPDATE t SET a = 1",
            "DELETE FROM t",
            "CREATE TABLE t (a INT)",
            "-- SELECT\nINSERT INTO t VALUES (1)",
            "/* SELECT */ DELETE FROM t",
            "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
            "REFRESH TABLE t",
            "selectx 1",
            "",
            "   ",
            "/* unterminated",
            "'SELECT'",
        ] {
            assert!(!is_read(s), "{s}");
        }
    }
}
