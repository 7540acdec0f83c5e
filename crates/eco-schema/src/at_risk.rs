//! What a resource holds that destroying it would lose: the figures a plan shows under each
//! destroy and replacement, and sums in its "Data at risk:" line.

use serde::{Deserialize, Serialize};

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Held {
    /// A table's items.
    Items,
    /// A bucket's objects (every version, when versioning is on).
    Objects,
    /// A user pool's users.
    Users,
    /// A queue's messages.
    Messages,
    /// A log group's stored events (`bytes` only).
    LogBytes,
    /// A hosted zone's records (besides the NS and SOA AWS makes).
    Records,
    /// One value that lives nowhere else (a parameter's, a secret's).
    Value,
}

impl Held {
    fn noun(self) -> &'static str {
        match self {
            Held::Items => "items",
            Held::Objects => "objects",
            Held::Users => "users",
            Held::Messages => "messages",
            Held::LogBytes => "bytes of logs",
            Held::Records => "records",
            Held::Value => "values",
        }
    }
}

/// What one resource holds, as AWS reports it at plan time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataAtRisk {
    /// What kind of holder this is, for the summary line: "table", "bucket", "user pool".
    pub holder: String,
    pub held: Held,
    /// How many (absent for a single value and for log bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// How many bytes, where AWS says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// `count` (and `bytes`) are lower bounds: the listing stopped at its bound.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub more_than: bool,
    /// AWS's figure is an estimate ("about").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub estimate: bool,
    /// Where the figure comes from or how fresh it is, when the reader should know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl DataAtRisk {
    /// `count` things of kind `held`, exactly.
    pub fn counted(holder: &str, held: Held, count: u64) -> DataAtRisk {
        DataAtRisk {
            holder: holder.to_string(),
            held,
            count: Some(count),
            bytes: None,
            more_than: false,
            estimate: false,
            note: None,
        }
    }

    /// A single value that would be lost.
    pub fn value(holder: &str) -> DataAtRisk {
        DataAtRisk {
            holder: holder.to_string(),
            held: Held::Value,
            count: None,
            bytes: None,
            more_than: false,
            estimate: false,
            note: None,
        }
    }

    /// `bytes` of stored logs (AWS's figure, which lags).
    pub fn log_bytes(holder: &str, bytes: u64) -> DataAtRisk {
        DataAtRisk {
            bytes: Some(bytes),
            estimate: true,
            ..DataAtRisk::value(holder)
        }
        .with_held(Held::LogBytes)
    }

    fn with_held(mut self, held: Held) -> DataAtRisk {
        self.held = held;
        self
    }

    /// With a size in bytes.
    pub fn with_bytes(mut self, bytes: u64) -> DataAtRisk {
        self.bytes = Some(bytes);
        self
    }

    /// Marks the figures as AWS's estimate.
    pub fn estimated(mut self) -> DataAtRisk {
        self.estimate = true;
        self
    }

    /// Marks the figures as lower bounds.
    pub fn at_least(mut self) -> DataAtRisk {
        self.more_than = true;
        self
    }

    /// With a note on where the figures come from.
    pub fn noted(mut self, note: impl Into<String>) -> DataAtRisk {
        self.note = Some(note.into());
        self
    }

    /// Whether anything at all would be lost (an empty table, bucket or queue holds nothing).
    pub fn holds_anything(&self) -> bool {
        match self.held {
            Held::Value => true,
            Held::LogBytes => self.bytes.unwrap_or(0) > 0,
            _ => self.count.unwrap_or(0) > 0 || self.more_than,
        }
    }

    /// The plan's line: "about 3 items would be lost (DynamoDB's count, ...)".
    pub fn describe(&self) -> String {
        let mut text = match self.held {
            Held::Value => "its value would be lost".to_string(),
            Held::LogBytes => format!(
                "about {} bytes of logs would be lost",
                self.bytes.unwrap_or(0)
            ),
            held => {
                let n = self.count.unwrap_or(0);
                let amount = if self.more_than {
                    format!("more than {}", group_digits(n))
                } else if self.estimate {
                    format!("about {n}")
                } else {
                    n.to_string()
                };
                format!("{amount} {} would be lost", held.noun())
            }
        };
        let mut notes = Vec::new();
        if self.held != Held::LogBytes {
            if let Some(b) = self.bytes {
                notes.push(human_bytes(b));
            }
        }
        if let Some(n) = &self.note {
            notes.push(n.clone());
        }
        if !notes.is_empty() {
            text.push_str(&format!(" ({})", notes.join("; ")));
        }
        text
    }
}

/// The plan's summary, e.g. "2 tables (~1.2 M items, 3.4 GB), 1 bucket (> 10,000 objects)":
/// holders grouped by kind in the order given; `None` when nothing is held.
pub fn summarize<'a>(risks: impl IntoIterator<Item = &'a DataAtRisk>) -> Option<String> {
    struct Group {
        holder: String,
        held: Held,
        holders: usize,
        count: u64,
        bytes: Option<u64>,
        more_than: bool,
        estimate: bool,
    }
    let mut groups: Vec<Group> = Vec::new();
    for r in risks.into_iter().filter(|r| r.holds_anything()) {
        let i = match groups
            .iter()
            .position(|g| g.holder == r.holder && g.held == r.held)
        {
            Some(i) => i,
            None => {
                groups.push(Group {
                    holder: r.holder.clone(),
                    held: r.held,
                    holders: 0,
                    count: 0,
                    bytes: None,
                    more_than: false,
                    estimate: false,
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[i];
        g.holders += 1;
        g.count += r.count.unwrap_or(0);
        if let Some(b) = r.bytes {
            g.bytes = Some(g.bytes.unwrap_or(0) + b);
        }
        g.more_than |= r.more_than;
        g.estimate |= r.estimate;
    }
    if groups.is_empty() {
        return None;
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|g| {
            let holders = if g.holders == 1 {
                format!("1 {}", g.holder)
            } else {
                format!("{} {}s", g.holders, g.holder)
            };
            let mut figures = Vec::new();
            if g.held != Held::Value && g.held != Held::LogBytes {
                let mark = if g.more_than {
                    "> "
                } else if g.estimate {
                    "~"
                } else {
                    ""
                };
                figures.push(format!("{mark}{} {}", short_count(g.count), g.held.noun()));
            }
            if let Some(b) = g.bytes {
                let mark = if g.held == Held::LogBytes && g.estimate {
                    "~"
                } else {
                    ""
                };
                figures.push(format!("{mark}{}", human_bytes(b)));
            }
            if g.held == Held::Value {
                figures.push(if g.holders == 1 {
                    "its value".to_string()
                } else {
                    "their values".to_string()
                });
            }
            format!("{holders} ({})", figures.join(", "))
        })
        .collect();
    Some(parts.join(", "))
}

/// 1234567 -> "1,234,567".
fn group_digits(n: u64) -> String {
    let reversed: Vec<char> = n.to_string().chars().rev().collect();
    let groups: Vec<String> = reversed
        .chunks(3)
        .map(|group| group.iter().rev().collect())
        .collect();
    groups.into_iter().rev().collect::<Vec<_>>().join(",")
}

/// 5300 -> "5,300"; 1_200_000 -> "1.2 M".
fn short_count(n: u64) -> String {
    if n >= 1_000_000 {
        format!("{:.1} M", n as f64 / 1e6)
    } else {
        group_digits(n)
    }
}

/// 3_400_000_000 -> "3.4 GB"; 512 -> "512 B".
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut value = n as f64;
    let mut unit = "B";
    for u in UNITS {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = u;
    }
    format!("{value:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_say_what_would_be_lost_and_how_sure_the_figure_is() {
        let table = DataAtRisk::counted("table", Held::Items, 3)
            .estimated()
            .noted("DynamoDB's count, refreshed about every 6 hours");
        assert_eq!(
            table.describe(),
            "about 3 items would be lost (DynamoDB's count, refreshed about every 6 hours)"
        );
        let bucket = DataAtRisk::counted("bucket", Held::Objects, 10_000)
            .with_bytes(2_500_000)
            .at_least();
        assert_eq!(
            bucket.describe(),
            "more than 10,000 objects would be lost (2.5 MB)"
        );
        assert_eq!(
            DataAtRisk::counted("user pool", Held::Users, 50)
                .estimated()
                .describe(),
            "about 50 users would be lost"
        );
        assert_eq!(
            DataAtRisk::log_bytes("log group", 2048).describe(),
            "about 2048 bytes of logs would be lost"
        );
        assert_eq!(
            DataAtRisk::value("parameter").describe(),
            "its value would be lost"
        );
        assert_eq!(
            DataAtRisk::counted("bucket", Held::Objects, 50).describe(),
            "50 objects would be lost"
        );
    }

    #[test]
    fn the_summary_groups_holders_and_adds_their_figures() {
        let risks = [
            DataAtRisk::counted("table", Held::Items, 1_000_000)
                .with_bytes(3_000_000_000)
                .estimated(),
            DataAtRisk::counted("table", Held::Items, 200_000)
                .with_bytes(400_000_000)
                .estimated(),
            DataAtRisk::counted("bucket", Held::Objects, 10_000).at_least(),
            DataAtRisk::counted("user pool", Held::Users, 5_300).estimated(),
            DataAtRisk::counted("queue", Held::Messages, 0).estimated(),
            DataAtRisk::value("parameter"),
        ];
        assert_eq!(
            summarize(&risks).as_deref(),
            Some(
                "2 tables (~1.2 M items, 3.4 GB), 1 bucket (> 10,000 objects), \
                 1 user pool (~5,300 users), 1 parameter (its value)"
            )
        );
    }

    #[test]
    fn empty_holders_hold_nothing_and_make_no_summary() {
        let risks = [
            DataAtRisk::counted("queue", Held::Messages, 0),
            DataAtRisk::log_bytes("log group", 0),
            DataAtRisk::counted("bucket", Held::Objects, 0).with_bytes(0),
        ];
        assert!(risks.iter().all(|r| !r.holds_anything()));
        assert_eq!(summarize(&risks), None);
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1_500), "1.5 KB");
        assert_eq!(human_bytes(3_400_000_000), "3.4 GB");
        assert_eq!(group_digits(1_234_567), "1,234,567");
        assert_eq!(group_digits(100), "100");
    }
}
