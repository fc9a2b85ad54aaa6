//! Reading `SHOW CREATE TABLE`: what `information_schema` does not tell — each column's exact
//! type (`NUMERIC(12, 2)`: `information_schema` has no scale; `OBJECT(STRICT)`), its index
//! (`INDEX OFF`, `INDEX USING FULLTEXT WITH (analyzer = …)`), its storage
//! (`columnstore = false`), and the named fulltext indexes (`INDEX "ft" USING FULLTEXT (…)`).
//!
//! CrateDB 6.4.3 writes one column per line, identifiers quoted, keywords in upper case,
//! `WITH (…)` options on lines of their own; objects list their keys in `AS (…)`. The reader
//! works on tokens, so line breaks and spacing do not matter.

use super::definition::{ColumnIndex, IndexDefinition};
use super::ColumnPath;

/// A column as `SHOW CREATE TABLE` declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ShownColumn {
    pub path: ColumnPath,
    /// The type, canonical (`TIMESTAMP WITH TIME ZONE`, `ARRAY(OBJECT(STRICT))`,
    /// `NUMERIC(12, 2)`), with the `AS (…)` key lists of objects left out.
    pub type_text: String,
    pub index: ColumnIndex,
    pub columnstore: bool,
}

/// What a `SHOW CREATE TABLE` answer declares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ShownTable {
    /// Every column and object key, parents before their keys.
    pub columns: Vec<ShownColumn>,
    /// The named fulltext indexes.
    pub indexes: Vec<IndexDefinition>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A quoted identifier, unescaped.
    Ident(String),
    /// An unquoted word (keyword, function name, `true`).
    Word(String),
    /// A string literal, unescaped.
    Str(String),
    /// A number, as written.
    Num(String),
    /// Any other character.
    Punct(char),
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '"' | '\'' => {
                let mut value = String::new();
                while let Some(d) = chars.next() {
                    if d == c {
                        if chars.peek() == Some(&c) {
                            chars.next();
                            value.push(c);
                        } else {
                            break;
                        }
                    } else {
                        value.push(d);
                    }
                }
                tokens.push(if c == '"' {
                    Token::Ident(value)
                } else {
                    Token::Str(value)
                });
            }
            c if c.is_ascii_digit() => {
                let mut value = String::from(c);
                while let Some(&d) = chars.peek() {
                    if d.is_ascii_alphanumeric() || d == '.' {
                        value.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(Token::Num(value));
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut value = String::from(c);
                while let Some(&d) = chars.peek() {
                    if d.is_alphanumeric() || d == '_' {
                        value.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(Token::Word(value));
            }
            other => tokens.push(Token::Punct(other)),
        }
    }
    tokens
}

fn is_word(token: Option<&Token>, word: &str) -> bool {
    matches!(token, Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
}

fn is_punct(token: Option<&Token>, c: char) -> bool {
    token == Some(&Token::Punct(c))
}

/// Where the group opened at `open` (a `(`) closes: the index of its `)`, or the end.
fn closing(tokens: &[Token], open: usize) -> usize {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t {
            Token::Punct('(') | Token::Punct('[') => depth += 1,
            Token::Punct(')') | Token::Punct(']') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

/// The elements of a parenthesized list (`tokens[open]` is its `(`), split at top-level
/// commas.
fn elements(tokens: &[Token], open: usize) -> Vec<&[Token]> {
    let close = closing(tokens, open).min(tokens.len());
    let inner = tokens.get(open + 1..close).unwrap_or(&[]);
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, t) in inner.iter().enumerate() {
        match t {
            Token::Punct('(') | Token::Punct('[') => depth += 1,
            Token::Punct(')') | Token::Punct(']') => depth = depth.saturating_sub(1),
            Token::Punct(',') if depth == 0 => {
                out.push(inner.get(start..i).unwrap_or(&[]));
                start = i + 1;
            }
            _ => {}
        }
    }
    if let Some(last) = inner.get(start..).filter(|rest| !rest.is_empty()) {
        out.push(last);
    }
    out
}

/// Words that end a column's type.
const AFTER_TYPE: [&str; 10] = [
    "GENERATED",
    "DEFAULT",
    "NOT",
    "NULL",
    "INDEX",
    "STORAGE",
    "PRIMARY",
    "CHECK",
    "CONSTRAINT",
    "AS",
];

/// Reads a type starting at `tokens[*i]`: its canonical text, and the keys an object type
/// declares (`AS (…)`), parsed as columns below `parent`.
fn read_type(
    tokens: &[Token],
    i: &mut usize,
    parent: &ColumnPath,
    keys: &mut Vec<ShownColumn>,
) -> String {
    let mut text = String::new();
    while let Some(Token::Word(w)) = tokens.get(*i) {
        if AFTER_TYPE.iter().any(|k| w.eq_ignore_ascii_case(k)) {
            break;
        }
        if !text.is_empty() {
            text.push(' ');
        }
        let word = w.to_ascii_uppercase();
        text.push_str(&word);
        *i += 1;
        if is_punct(tokens.get(*i), '(') {
            let close = closing(tokens, *i);
            text.push('(');
            if word == "ARRAY" {
                let mut j = *i + 1;
                let inner = read_type(tokens, &mut j, parent, keys);
                text.push_str(&inner);
            } else {
                for (k, arg) in elements(tokens, *i).iter().enumerate() {
                    if k > 0 {
                        text.push_str(", ");
                    }
                    for t in arg.iter() {
                        match t {
                            Token::Word(w) => text.push_str(&w.to_ascii_uppercase()),
                            Token::Num(n) => text.push_str(n),
                            _ => {}
                        }
                    }
                }
            }
            text.push(')');
            *i = close + 1;
            if word == "OBJECT" || word == "ARRAY" {
                break;
            }
        } else if word == "OBJECT" {
            break;
        }
    }
    if text == "OBJECT" {
        // CrateDB writes the policy; an object declared without one is dynamic.
        text.push_str("(DYNAMIC)");
    }
    if text.starts_with("OBJECT")
        && is_word(tokens.get(*i), "AS")
        && is_punct(tokens.get(*i + 1), '(')
    {
        let open = *i + 1;
        for element in elements(tokens, open) {
            read_column(element, Some(parent), keys);
        }
        *i = closing(tokens, open) + 1;
    }
    text
}

/// The options after a column's type: its index and storage.
fn read_options(tokens: &[Token]) -> (ColumnIndex, bool) {
    let mut index = ColumnIndex::Plain;
    let mut columnstore = true;
    let mut i = 0;
    while i < tokens.len() {
        let at = |k: usize| tokens.get(i + k);
        if is_word(at(0), "INDEX") && is_word(at(1), "OFF") {
            index = ColumnIndex::Off;
            i += 2;
        } else if is_word(at(0), "INDEX") && is_word(at(1), "USING") {
            let method = match at(2) {
                Some(Token::Word(w)) => w.to_ascii_uppercase(),
                _ => String::new(),
            };
            i += 3;
            let mut analyzer = None;
            if is_word(tokens.get(i), "WITH") && is_punct(tokens.get(i + 1), '(') {
                for option in elements(tokens, i + 1) {
                    if let [Token::Word(k), Token::Punct('='), Token::Str(v)] = option {
                        if k.eq_ignore_ascii_case("analyzer") {
                            analyzer = Some(v.clone());
                        }
                    }
                }
                i = closing(tokens, i + 1) + 1;
            }
            index = match method.as_str() {
                "FULLTEXT" => ColumnIndex::Fulltext {
                    analyzer: analyzer.unwrap_or_else(|| "standard".to_owned()),
                },
                "PLAIN" => ColumnIndex::Plain,
                _ => ColumnIndex::Using(method),
            };
        } else if is_word(at(0), "STORAGE") && is_word(at(1), "WITH") && is_punct(at(2), '(') {
            for option in elements(tokens, i + 2) {
                if let [Token::Word(k), Token::Punct('='), Token::Word(v)] = option {
                    if k.eq_ignore_ascii_case("columnstore") {
                        columnstore = !v.eq_ignore_ascii_case("false");
                    }
                }
            }
            i = closing(tokens, i + 2) + 1;
        } else if matches!(at(0), Some(Token::Punct('(')) | Some(Token::Punct('['))) {
            // Inside an expression (a default, a generated expression, a CHECK).
            i = closing(tokens, i) + 1;
        } else {
            i += 1;
        }
    }
    (index, columnstore)
}

/// One column definition (`"name" TYPE …`), below `parent` when it is an object's key.
fn read_column(tokens: &[Token], parent: Option<&ColumnPath>, out: &mut Vec<ShownColumn>) {
    let Some(Token::Ident(name)) = tokens.first() else {
        return;
    };
    let path = match parent {
        Some(p) => p.child(name.clone()),
        None => ColumnPath::top(name.clone()),
    };
    let at = out.len();
    let mut keys = Vec::new();
    let mut i = 1;
    let type_text = read_type(tokens, &mut i, &path, &mut keys);
    let (index, columnstore) = read_options(tokens.get(i..).unwrap_or(&[]));
    out.insert(
        at,
        ShownColumn {
            path,
            type_text,
            index,
            columnstore,
        },
    );
    out.extend(keys);
}

/// `INDEX "ft" USING FULLTEXT ("a", "b") [WITH (analyzer = '…')]`.
fn read_index(tokens: &[Token]) -> Option<IndexDefinition> {
    let Some(Token::Ident(name)) = tokens.get(1) else {
        return None;
    };
    let open = tokens.iter().position(|t| *t == Token::Punct('('))?;
    let columns = elements(tokens, open)
        .into_iter()
        .filter_map(|e| match e {
            [Token::Ident(c)] => Some(c.clone()),
            _ => None,
        })
        .collect();
    let after = closing(tokens, open) + 1;
    let (index, _) = read_options(
        &[
            &[
                Token::Word("INDEX".into()),
                Token::Word("USING".into()),
                Token::Word("FULLTEXT".into()),
            ],
            tokens.get(after..).unwrap_or(&[]),
        ]
        .concat(),
    );
    let analyzer = match index {
        ColumnIndex::Fulltext { analyzer } => analyzer,
        _ => "standard".to_owned(),
    };
    Some(IndexDefinition {
        name: name.clone(),
        columns,
        analyzer,
    })
}

/// Reads the statement `SHOW CREATE TABLE` answers.
pub(crate) fn parse(statement: &str) -> ShownTable {
    let tokens = tokenize(statement);
    let mut table = ShownTable::default();
    let Some(open) = tokens.iter().position(|t| *t == Token::Punct('(')) else {
        return table;
    };
    for element in elements(&tokens, open) {
        match element.first() {
            Some(Token::Ident(_)) => read_column(element, None, &mut table.columns),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("INDEX") => {
                table.indexes.extend(read_index(element));
            }
            _ => {}
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers of CrateDB 6.4.3 (`SHOW CREATE TABLE`), copied as they came.
    const T1: &str = "CREATE TABLE IF NOT EXISTS \"mprobe\".\"t1\" (\n   \"id\" INTEGER NOT NULL,\n   \"name\" TEXT,\n   \"o\" OBJECT(DYNAMIC) AS (\n      \"a\" TEXT,\n      \"b\" INTEGER\n   ),\n   \"c\" INTEGER DEFAULT 5,\n   \"nn\" TEXT NOT NULL,\n   \"ts\" TIMESTAMP WITH TIME ZONE DEFAULT now(),\n   \"u\" TEXT DEFAULT gen_random_text_uuid(),\n   \"ft\" TEXT INDEX USING FULLTEXT WITH (\n      analyzer = 'english'\n   ),\n   \"io\" TEXT INDEX OFF,\n   \"cs\" TEXT STORAGE WITH (\n      columnstore = false\n   ),\n   PRIMARY KEY (\"id\")\n)\nCLUSTERED BY (\"id\") INTO 2 SHARDS\nWITH (\n   column_policy = 'strict',\n   number_of_replicas = '0'\n)";
    const T2: &str = "CREATE TABLE IF NOT EXISTS \"mprobe\".\"t2\" (\n   \"id\" TEXT NOT NULL,\n   \"day\" TIMESTAMP WITH TIME ZONE GENERATED ALWAYS AS date_trunc('day', \"ts\") NOT NULL,\n   \"ts\" TIMESTAMP WITH TIME ZONE NOT NULL,\n   \"v\" FLOAT_VECTOR(3),\n   \"n\" NUMERIC(12, 2),\n   \"arr\" ARRAY(TEXT),\n   \"oa\" ARRAY(OBJECT(STRICT) AS (\n      \"x\" INTEGER\n   )),\n   \"name\" TEXT,\n   \"descr\" TEXT,\n   \"gp\" GEO_POINT,\n   \"ip\" IP,\n   \"s\" SMALLINT,\n   \"r\" REAL,\n   \"b\" BOOLEAN,\n   \"tsn\" TIMESTAMP WITHOUT TIME ZONE,\n   PRIMARY KEY (\"id\", \"day\"),\n   INDEX \"ft\" USING FULLTEXT (\"name\", \"descr\") WITH (\n      analyzer = 'english'\n   )\n)\nCLUSTERED BY (\"id\") INTO 3 SHARDS\nPARTITIONED BY (\"day\")\nWITH (\n   column_policy = 'dynamic',\n   number_of_replicas = '0-1',\n   refresh_interval = 2000\n)";
    const T3: &str = "CREATE TABLE IF NOT EXISTS \"mprobe\".\"t3\" (\n   \"id\" INTEGER NOT NULL,\n   \"g\" INTEGER GENERATED ALWAYS AS (\"id\" * 2) + 1,\n   \"d1\" TEXT DEFAULT 'it''s INDEX OFF',\n   \"d6\" ARRAY(TEXT) DEFAULT ['a', 'b'],\n   \"sh\" GEO_SHAPE INDEX USING GEOHASH,\n   \"f\" TEXT INDEX USING FULLTEXT WITH (\n      analyzer = 'standard'\n   ),\n   \"o\" OBJECT(IGNORED),\n   \"deep\" OBJECT(STRICT) AS (\n      \"inner\" OBJECT(DYNAMIC) AS (\n         \"k\" TEXT INDEX OFF\n      ),\n      \"n\" BIGINT\n   ),\n   PRIMARY KEY (\"id\")\n)\nCLUSTERED BY (\"id\") INTO 4 SHARDS\nWITH (\n   column_policy = 'strict',\n   number_of_replicas = '0-1'\n)";

    fn find<'a>(t: &'a ShownTable, path: &str) -> &'a ShownColumn {
        t.columns
            .iter()
            .find(|c| c.path.to_string() == path)
            .unwrap_or_else(|| panic!("no column {path} in {:?}", t.columns))
    }

    #[test]
    fn types_indexes_and_storage() {
        let t = parse(T1);
        let paths: Vec<String> = t.columns.iter().map(|c| c.path.to_string()).collect();
        assert_eq!(
            paths,
            ["id", "name", "o", "o['a']", "o['b']", "c", "nn", "ts", "u", "ft", "io", "cs"]
        );
        assert_eq!(find(&t, "o").type_text, "OBJECT(DYNAMIC)");
        assert_eq!(find(&t, "o['b']").type_text, "INTEGER");
        assert_eq!(find(&t, "ts").type_text, "TIMESTAMP WITH TIME ZONE");
        assert_eq!(
            find(&t, "ft").index,
            ColumnIndex::Fulltext {
                analyzer: "english".into()
            }
        );
        assert_eq!(find(&t, "io").index, ColumnIndex::Off);
        assert!(!find(&t, "cs").columnstore && find(&t, "io").columnstore);
        assert_eq!(find(&t, "name").index, ColumnIndex::Plain);
        assert!(t.indexes.is_empty());
    }

    #[test]
    fn arrays_vectors_numerics_and_named_indexes() {
        let t = parse(T2);
        assert_eq!(find(&t, "v").type_text, "FLOAT_VECTOR(3)");
        assert_eq!(find(&t, "n").type_text, "NUMERIC(12, 2)");
        assert_eq!(find(&t, "arr").type_text, "ARRAY(TEXT)");
        assert_eq!(find(&t, "oa").type_text, "ARRAY(OBJECT(STRICT))");
        assert_eq!(find(&t, "oa['x']").type_text, "INTEGER");
        assert_eq!(find(&t, "day").type_text, "TIMESTAMP WITH TIME ZONE");
        assert_eq!(find(&t, "tsn").type_text, "TIMESTAMP WITHOUT TIME ZONE");
        assert_eq!(
            t.indexes,
            vec![IndexDefinition {
                name: "ft".into(),
                columns: vec!["name".into(), "descr".into()],
                analyzer: "english".into()
            }]
        );
    }

    #[test]
    fn expressions_do_not_confuse_options() {
        let t = parse(T3);
        assert_eq!(find(&t, "g").type_text, "INTEGER");
        assert_eq!(find(&t, "d1").index, ColumnIndex::Plain);
        assert_eq!(find(&t, "d6").type_text, "ARRAY(TEXT)");
        assert_eq!(find(&t, "sh").index, ColumnIndex::Using("GEOHASH".into()));
        assert_eq!(
            find(&t, "f").index,
            ColumnIndex::Fulltext {
                analyzer: "standard".into()
            }
        );
        assert_eq!(find(&t, "o").type_text, "OBJECT(IGNORED)");
        assert_eq!(find(&t, "deep['inner']").type_text, "OBJECT(DYNAMIC)");
        assert_eq!(find(&t, "deep['inner']['k']").index, ColumnIndex::Off);
        assert_eq!(find(&t, "deep['n']").type_text, "BIGINT");
        let paths: Vec<String> = t.columns.iter().map(|c| c.path.to_string()).collect();
        assert_eq!(
            paths,
            [
                "id",
                "g",
                "d1",
                "d6",
                "sh",
                "f",
                "o",
                "deep",
                "deep['inner']",
                "deep['inner']['k']",
                "deep['n']"
            ]
        );
    }
}
