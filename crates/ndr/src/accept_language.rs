//! Reading an `Accept-Language` value (RFC 9110, 12.5.4): the tags a
//! reader wants, most wanted first.

/// The tags of `value`, by quality, most wanted first; `*` and tags
/// refused with `q=0` are left out.
pub fn by_quality(value: &str) -> Vec<String> {
    let mut accepted: Vec<(String, f32)> = value.split(',').filter_map(weighted_tag).collect();
    // A stable sort: tags of equal quality keep the order they were given.
    accepted.sort_by(|a, b| b.1.total_cmp(&a.1));
    accepted.into_iter().map(|(tag, _)| tag).collect()
}

/// `fr-CH;q=0.9` → (`fr-CH`, 0.9); a tag without `q` weighs 1.
fn weighted_tag(item: &str) -> Option<(String, f32)> {
    let mut parts = item.split(';');
    let tag = parts.next()?.trim();
    let quality = parts
        .filter_map(|param| param.trim().strip_prefix("q="))
        .find_map(|q| q.trim().parse::<f32>().ok())
        .unwrap_or(1.0);
    (!tag.is_empty() && tag != "*" && quality > 0.0).then(|| (tag.to_string(), quality))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_come_most_wanted_first_and_refused_ones_are_left_out() {
        assert_eq!(
            by_quality("en;q=0.5, fr-CH, de;q=0, *;q=0.1, ru;q=0.8"),
            ["fr-CH", "ru", "en"]
        );
        assert!(by_quality("").is_empty());
    }
}
