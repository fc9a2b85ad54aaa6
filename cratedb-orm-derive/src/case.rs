//! Struct name → default table name.

/// `snake_case` of a Rust type name: `Character` → `character`, `HTTPLog` → `http_log`,
/// `CityV2` → `city_v2`. An underscore goes before an upper-case letter that follows a
/// lower-case letter or digit, or that starts a new word after an acronym.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev != '_'
                && (prev.is_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_uppercase() && next_is_lower))
            {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn cases() {
        assert_eq!(snake_case("Character"), "character");
        assert_eq!(snake_case("HTTPLog"), "http_log");
        assert_eq!(snake_case("CityV2"), "city_v2");
        assert_eq!(snake_case("Item2Tag"), "item2_tag");
        assert_eq!(snake_case("My_Table"), "my_table");
        assert_eq!(snake_case("A"), "a");
    }
}
