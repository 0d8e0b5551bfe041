//! Writing results to stdout: plain lines and aligned tables. A closed pipe (`ward … | head`) ends
//! output quietly instead of failing.

use std::io::{self, Write};

/// A buffered, locked stdout.
pub fn stdout() -> io::BufWriter<io::StdoutLock<'static>> {
    io::BufWriter::new(io::stdout().lock())
}

/// Writes one line and flushes.
pub fn line(out: &mut impl Write, text: &str) -> anyhow::Result<()> {
    ignore_broken_pipe(writeln!(out, "{text}").and_then(|()| out.flush()))
}

/// A broken pipe means the reader has gone: stop writing, but it is not a failure.
pub fn ignore_broken_pipe(result: io::Result<()>) -> anyhow::Result<()> {
    match result {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// A table with a header row, printed with columns padded to their widest cell.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Columns aligned right (numbers).
    right: Vec<bool>,
}

impl Table {
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        let header: Vec<String> = header.into_iter().map(Into::into).collect();
        let right = vec![false; header.len()];
        Self {
            header,
            rows: Vec::new(),
            right,
        }
    }

    /// Aligns a column to the right.
    pub fn right_align(mut self, column: usize) -> Self {
        if let Some(flag) = self.right.get_mut(column) {
            *flag = true;
        }
        self
    }

    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Renders the table as text lines (no trailing newline).
    pub fn render(&self) -> String {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self
            .header
            .iter()
            .map(|cell| cell.chars().count())
            .collect();
        for row in &self.rows {
            for (index, cell) in row.iter().enumerate().take(columns) {
                widths[index] = widths[index].max(cell.chars().count());
            }
        }
        let mut text = String::new();
        for (line_number, row) in std::iter::once(&self.header).chain(&self.rows).enumerate() {
            if line_number > 0 {
                text.push('\n');
            }
            let mut line = String::new();
            for (index, width) in widths.iter().enumerate() {
                let cell = row.get(index).map(String::as_str).unwrap_or("");
                let pad = width.saturating_sub(cell.chars().count());
                if index > 0 {
                    line.push_str("  ");
                }
                if self.right[index] {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad));
                }
            }
            text.push_str(line.trim_end());
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn tables_align_columns() {
        let mut table = Table::new(["name", "count"]).right_align(1);
        table.row(["Windows", "12"]);
        table.row(["Amazon Linux", "3"]);
        assert_eq!(
            table.render(),
            "name          count\nWindows          12\nAmazon Linux      3"
        );
    }
}
