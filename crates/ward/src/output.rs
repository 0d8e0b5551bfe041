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

/// One handled item, as the demo prints it.
pub fn handled(name: &str, handled: &ward_respond::Handled) -> String {
    use ward_respond::Handled;
    match handled {
        Handled::Decided(outcome) => {
            let decision = &outcome.decision;
            let mut text = format!(
                "\n  {} {} on {} → {}\n    why: {}",
                decision.source,
                decision.finding_type,
                decision.instance_id.as_deref().unwrap_or("-"),
                decision.verdict.as_str(),
                decision.reason
            );
            for action in &outcome.actions {
                text.push_str(&format!(
                    "\n    {} {} [{}] {}",
                    action.kind, action.target, action.status, action.detail
                ));
            }
            text
        }
        Handled::Quarantined { position, reason } => {
            format!("\n  {name} ({position}) → quarantined\n    why: {reason}")
        }
        Handled::Failed { position, error } => {
            format!("\n  {name} ({position}) → failed\n    why: {error}")
        }
    }
}

/// `part` of `whole` in percent (0 of nothing).
pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// The summary tables: OS types, agent status, EC2 state, instance types and modules.
pub fn fleet_summary(summary: &ward_core::summary::FleetSummary) -> String {
    let ranked = |title: &str, map| {
        let mut table = Table::new([title, "computers", "share"])
            .right_align(1)
            .right_align(2);
        for (name, count) in ward_core::summary::FleetSummary::ranked(map) {
            table.row([
                name.to_owned(),
                count.to_string(),
                format!("{:.1}%", percent(count, summary.computers)),
            ]);
        }
        table.render()
    };
    let mut modules = Table::new(["module", "on", "off", "warning", "error", "not reported"]);
    for column in 1..=5 {
        modules = modules.right_align(column);
    }
    for module in ward_core::Module::ALL {
        let counts = summary
            .modules
            .get(&module)
            .cloned()
            .unwrap_or_else(ward_core::summary::ModuleCounts::default);
        modules.row([
            module.as_str().to_owned(),
            counts.on.to_string(),
            counts.off.to_string(),
            counts.warning.to_string(),
            counts.error.to_string(),
            counts.not_reported.to_string(),
        ]);
    }
    let mut instance_types = ward_core::summary::FleetSummary::ranked(&summary.by_instance_type);
    let others: u64 = instance_types.iter().skip(8).map(|(_, count)| count).sum();
    instance_types.truncate(8);
    let mut types = Table::new(["instance type", "computers", "share"])
        .right_align(1)
        .right_align(2);
    for (name, count) in instance_types {
        types.row([
            name.to_owned(),
            count.to_string(),
            format!("{:.1}%", percent(count, summary.computers)),
        ]);
    }
    if others > 0 {
        types.row([
            "(others)".to_owned(),
            others.to_string(),
            format!("{:.1}%", percent(others, summary.computers)),
        ]);
    }
    [
        ranked("OS type", &summary.by_os_type),
        ranked("agent status", &summary.by_agent_status),
        ranked("EC2 state", &summary.by_ec2_state),
        types.render(),
        modules.render(),
    ]
    .join("\n\n")
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

    #[test]
    fn the_fleet_summary_reads_as_tables() {
        let counts = |pairs: &[(&str, u64)]| {
            pairs
                .iter()
                .map(|(name, count)| ((*name).to_owned(), *count))
                .collect()
        };
        let mut summary = ward_core::FleetSummary {
            computers: 10,
            protected: 7,
            by_os_type: counts(&[("Linux", 6), ("Windows", 4)]),
            by_agent_status: counts(&[("active", 7), ("inactive", 2), ("offline", 1)]),
            by_ec2_state: counts(&[("running", 9), ("stopped", 1)]),
            by_instance_type: counts(&[("t3.micro", 5), ("m5.large", 3), ("c5.xlarge", 2)]),
            ..ward_core::FleetSummary::default()
        };
        summary.modules.insert(
            ward_core::Module::AntiMalware,
            ward_core::summary::ModuleCounts {
                on: 6,
                off: 1,
                warning: 1,
                error: 0,
                not_reported: 2,
            },
        );
        insta::assert_snapshot!("fleet_summary", super::fleet_summary(&summary));
    }
}
