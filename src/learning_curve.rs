//! The learning curve of a run as a PNG: the best return so far and each round's mean return
//! against the environment steps spent, with every scored candidate as a faint dot.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Result, bail};
use plotters::prelude::*;
use ppo_sandbox_engine::optimize::CandidateRecord;

/// Image size in pixels.
const SIZE: (u32, u32) = (960, 600);

/// The series of a run, in the order its candidates finished.
#[derive(Debug, Default, PartialEq)]
pub struct Curve {
    /// `(env steps spent, best mean return so far)` after each scored candidate.
    pub best: Vec<(u64, f64)>,
    /// `(env steps spent at the end of the round, mean over the round's scored candidates)`.
    pub round_mean: Vec<(u64, f64)>,
    /// `(env steps spent, mean return)` of each scored candidate.
    pub candidates: Vec<(u64, f64)>,
}

impl Curve {
    /// The curve of `records` (a run's records, in file order). Crashed and failed candidates
    /// spend steps but have no point.
    pub fn of(records: &[CandidateRecord]) -> Curve {
        let mut curve = Curve::default();
        let mut spent = 0u64;
        let mut best: Option<f64> = None;
        let mut round: Option<(u32, f64, usize)> = None;
        for record in records {
            if let Some((number, sum, count)) = round
                && number != record.round
            {
                if count > 0 {
                    curve.round_mean.push((spent, sum / count as f64));
                }
                round = None;
            }
            spent += record.env_steps;
            let (number, mut sum, mut count) = round.unwrap_or((record.round, 0.0, 0));
            if let Some(score) = record.score() {
                sum += score;
                count += 1;
                curve.candidates.push((spent, score));
                let new_best = best.map_or(score, |b| b.max(score));
                best = Some(new_best);
                curve.best.push((spent, new_best));
            }
            round = Some((number, sum, count));
        }
        if let Some((_, sum, count)) = round
            && count > 0
        {
            curve.round_mean.push((spent, sum / count as f64));
        }
        curve
    }

    /// Draws the curve to `path` as a PNG. Labels need a TrueType font (see [`find_font`]);
    /// without one the chart is drawn without text and the returned flag is `false`.
    pub fn draw_png(&self, path: &Path, title: &str) -> Result<bool> {
        if self.candidates.is_empty() {
            bail!("no candidate finished with a return, so there is no curve to draw");
        }
        let with_text = register_font();
        let max_steps = self
            .candidates
            .iter()
            .map(|p| p.0)
            .max()
            .unwrap_or(1)
            .max(1);
        let (low, high) = self
            .candidates
            .iter()
            .chain(&self.round_mean)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                (lo.min(p.1), hi.max(p.1))
            });
        let pad = ((high - low) * 0.05).max(1e-3 * high.abs().max(1.0));
        let (low, high) = (low - pad, high + pad);

        let root = BitMapBackend::new(path, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let mut builder = ChartBuilder::on(&root);
        builder.margin(20);
        if with_text {
            builder
                .caption(title, ("sans-serif", 24))
                .x_label_area_size(50)
                .y_label_area_size(70);
        } else {
            builder.x_label_area_size(10).y_label_area_size(10);
        }
        let mut chart = builder.build_cartesian_2d(0f64..max_steps as f64 * 1.02, low..high)?;
        let mut mesh = chart.configure_mesh();
        mesh.light_line_style(RGBColor(235, 235, 235));
        if with_text {
            mesh.x_desc("environment steps")
                .x_label_formatter(&|steps| format!("{steps:.0}"))
                .y_desc("mean return")
                .label_style(("sans-serif", 15));
        } else {
            mesh.x_labels(0).y_labels(0);
        }
        mesh.draw()?;

        let dot = RGBColor(150, 150, 150).mix(0.5).filled();
        chart.draw_series(
            self.candidates
                .iter()
                .map(|&(x, y)| Circle::new((x as f64, y), 2, dot)),
        )?;
        let mean_style = RGBColor(230, 120, 20).stroke_width(2);
        chart
            .draw_series(LineSeries::new(
                self.round_mean.iter().map(|&(x, y)| (x as f64, y)),
                mean_style,
            ))?
            .label("round mean")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], mean_style));
        // The best so far is a step function: it holds until the next improvement.
        let mut steps = Vec::with_capacity(self.best.len() * 2 + 1);
        for &(x, y) in &self.best {
            if let Some(&(_, previous)) = steps.last() {
                steps.push((x as f64, previous));
            }
            steps.push((x as f64, y));
        }
        if let Some(&(_, last)) = steps.last() {
            steps.push((max_steps as f64, last));
        }
        let best_style = RGBColor(30, 90, 200).stroke_width(3);
        chart
            .draw_series(LineSeries::new(steps, best_style))?
            .label("best so far")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], best_style));
        if with_text {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK)
                .label_font(("sans-serif", 15))
                .draw()?;
        }
        root.present()?;
        Ok(with_text)
    }
}

/// Where a TrueType font for the labels is looked for: `PPO_SANDBOX_FONT`, then the usual
/// places of DejaVu Sans and Liberation Sans (Debian, Fedora, Arch) and of Arial.
pub fn find_font() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PPO_SANDBOX_FONT") {
        return Some(PathBuf::from(path));
    }
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf",
        "/Library/Fonts/Arial.ttf",
        "C:\\Windows\\Fonts\\arial.ttf",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|path| path.is_file())
}

/// Registers the font of [`find_font`] once per process as `sans-serif`; `false` when there is
/// none or it does not parse.
fn register_font() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| {
        let Some(bytes) = find_font().and_then(|path| std::fs::read(path).ok()) else {
            return false;
        };
        // plotters keeps fonts for the life of the process: leaking the one file is that.
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(round: u32, steps: u64, score: Option<f64>) -> CandidateRecord {
        let mut record: CandidateRecord = serde_json::from_value(serde_json::json!({
            "round": round, "index": 0, "params": [], "source": "", "returns": [],
            "mean_return": score, "env_steps": steps, "fuel_used": 0, "elapsed_ms": 0,
        }))
        .expect("a minimal record parses");
        if score.is_none() {
            record.failure = Some("crashed".into());
        }
        record
    }

    #[test]
    fn curve_tracks_best_so_far_and_round_means_against_steps() {
        let records = [
            record(0, 100, Some(10.0)),
            record(1, 50, Some(30.0)),
            record(1, 50, None),
            record(1, 50, Some(20.0)),
            record(2, 10, Some(5.0)),
        ];
        let curve = Curve::of(&records);
        assert_eq!(
            curve.best,
            [(100, 10.0), (150, 30.0), (250, 30.0), (260, 30.0)]
        );
        assert_eq!(curve.round_mean, [(100, 10.0), (250, 25.0), (260, 5.0)]);
        assert_eq!(
            curve.candidates,
            [(100, 10.0), (150, 30.0), (250, 20.0), (260, 5.0)]
        );
    }

    #[test]
    fn a_round_where_everything_crashed_has_no_mean() {
        let curve = Curve::of(&[record(0, 10, None), record(1, 10, Some(1.0))]);
        assert_eq!(curve.round_mean, [(20, 1.0)]);
        assert_eq!(curve.best, [(20, 1.0)]);
    }

    #[test]
    fn drawing_writes_a_png_and_refuses_an_empty_curve() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("curve.png");
        let curve = Curve::of(&[record(0, 10, Some(1.0)), record(1, 10, Some(3.0))]);
        curve.draw_png(&path, "test").unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let empty = Curve::of(&[record(0, 10, None)]);
        assert!(empty.draw_png(&dir.path().join("none.png"), "x").is_err());
    }
}
