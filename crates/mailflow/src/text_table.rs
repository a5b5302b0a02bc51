//! Tables for people: the CLI's list commands print rows of cells in
//! columns as wide as their widest cell, two spaces apart, with no trailing
//! blanks, so the same table code serves the queue and the insights.

/// The rows (the first is usually the headers) as aligned lines.
pub fn aligned<const N: usize>(rows: &[[String; N]]) -> String {
    let widths: Vec<usize> = (0..N)
        .map(|column| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            cells.join("  ").trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_as_wide_as_their_widest_cell_without_trailing_blanks() {
        let rows = [
            ["NAME".to_string(), "STATE".to_string()],
            ["to-onprem".to_string(), "".to_string()],
            ["é".to_string(), "ok".to_string()],
        ];
        assert_eq!(aligned(&rows), "NAME       STATE\nto-onprem\né          ok");
    }
}
