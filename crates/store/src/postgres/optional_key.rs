//! Conditions on a column that may be NULL (a recipient routed by MX has
//! no connector, one not tried yet no error code), said so that a btree
//! index on the column is read: `IS NOT DISTINCT FROM` never is.

/// `column` equals the text parameter `param`, or is NULL when `value`
/// is `None` (the parameter, bound as NULL, stays in the statement so
/// that every variant takes the same parameters).
pub fn equals(column: &str, param: &str, value: Option<&str>) -> String {
    match value {
        Some(_) => format!("{column} = {param}"),
        None => format!("{column} IS NULL AND {param}::text IS NULL"),
    }
}
