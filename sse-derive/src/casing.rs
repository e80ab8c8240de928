//! `rename_all`: a variant's name (PascalCase) in the casings serde offers.

/// The casings `rename_all` accepts, as written in the attribute.
pub(crate) const CASINGS: [&str; 8] = [
    "lowercase",
    "UPPERCASE",
    "PascalCase",
    "camelCase",
    "snake_case",
    "SCREAMING_SNAKE_CASE",
    "kebab-case",
    "SCREAMING-KEBAB-CASE",
];

/// `variant` in `casing` (one of [`CASINGS`]); `None` for another casing.
pub(crate) fn rename(variant: &str, casing: &str) -> Option<String> {
    let words = |separator: char| {
        let mut out = String::new();
        for (i, c) in variant.char_indices() {
            if i > 0 && c.is_uppercase() {
                out.push(separator);
            }
            out.extend(c.to_lowercase());
        }
        out
    };
    Some(match casing {
        "lowercase" => variant.to_lowercase(),
        "UPPERCASE" => variant.to_uppercase(),
        "PascalCase" => variant.to_owned(),
        "camelCase" => {
            let mut chars = variant.chars();
            chars
                .next()
                .map_or_else(String::new, |first| first.to_lowercase().chain(chars).collect())
        }
        "snake_case" => words('_'),
        "SCREAMING_SNAKE_CASE" => words('_').to_uppercase(),
        "kebab-case" => words('-'),
        "SCREAMING-KEBAB-CASE" => words('-').to_uppercase(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::rename;

    #[test]
    fn every_casing() {
        let expected = [
            ("lowercase", "contentblockdelta"),
            ("UPPERCASE", "CONTENTBLOCKDELTA"),
            ("PascalCase", "ContentBlockDelta"),
            ("camelCase", "contentBlockDelta"),
            ("snake_case", "content_block_delta"),
            ("SCREAMING_SNAKE_CASE", "CONTENT_BLOCK_DELTA"),
            ("kebab-case", "content-block-delta"),
            ("SCREAMING-KEBAB-CASE", "CONTENT-BLOCK-DELTA"),
        ];
        for (casing, name) in expected {
            assert_eq!(rename("ContentBlockDelta", casing).as_deref(), Some(name), "{casing}");
        }
        assert_eq!(rename("Ping", "snake_case").as_deref(), Some("ping"));
        assert_eq!(rename("Ping", "Title Case"), None);
    }
}
