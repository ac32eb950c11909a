//! The side-by-side merge of two duplicate contacts (or companies): each differing field with
//! both values, the side it will be taken from marked; what the kept record gains and what
//! moves to it.

use super::super::app::App;
use super::super::panes::import::MergeView;
use super::super::theme::Role;
use super::{centered, modal_block};
use crate::services::merge::Side;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

fn clip(s: &str, w: usize) -> String {
    let one = s.replace('\n', " ⏎ ");
    if one.chars().count() > w {
        one.chars().take(w.saturating_sub(1)).collect::<String>() + "…"
    } else {
        format!("{one:<w$}")
    }
}

pub fn draw(f: &mut Frame, app: &App, area: Rect, view: &MergeView) {
    let p = &view.plan;
    let width = area.width.saturating_sub(4).min(110);
    let inner = width.saturating_sub(4) as usize;
    let label_w = 14.min(inner / 4);
    let col = (inner.saturating_sub(label_w + 6)) / 2;
    let t = &app.theme;
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{:<label_w$}  ", "field"), t.style(Role::Header)),
        Span::styled(clip(&format!("  {} {} (kept)", p.keep, p.keep_name), col + 2), t.style(Role::Header)),
        Span::raw("  "),
        Span::styled(clip(&format!("  {} {} (to the trash)", p.other, p.other_name), col + 2), t.style(Role::Header)),
    ])];
    if p.choices.is_empty() {
        lines.push(Line::styled("No field differs: merging only adds and moves what is below.", t.style(Role::Dim)));
    }
    for (i, c) in p.choices.iter().enumerate() {
        let side = |s: Side, v: &str| {
            let picked = c.pick == s;
            let mark = if picked { "● " } else { "  " };
            let style = if picked { t.style(Role::Text) } else { t.style(Role::Dim) };
            Span::styled(format!("{mark}{}", clip(if v.is_empty() { "(empty)" } else { v }, col)), style)
        };
        let label_style = if i == view.selected { t.style(Role::ListSelected) } else { t.style(Role::FieldLabel) };
        lines.push(Line::from(vec![
            Span::styled(format!("{}  ", clip(&c.field, label_w)), label_style),
            side(Side::Keep, &c.keep),
            Span::raw("  "),
            side(Side::Other, &c.other),
        ]));
    }
    lines.push(Line::raw(""));
    if !p.added.is_empty() {
        lines.push(Line::styled(format!("{} also gets: {}", p.keep, p.added.join(", ")), t.style(Role::Text)));
    }
    let moves = if matches!(p.keep, crate::domain::Ref::Company(_)) {
        format!("{} contacts, {} deals, {} activities", p.contacts.len(), p.deals.len(), p.activities.len())
    } else {
        format!("{} activities, {} tasks, {} deals", p.activities.len(), p.tasks.len(), p.deals.len())
    };
    lines.push(Line::styled(format!("Moves to {}: {moves}. One change: u undoes it.", p.keep), t.style(Role::Text)));
    lines.push(Line::raw(""));
    let hint = |k: &str, d: &str| {
        vec![
            Span::styled(k.to_string(), t.style(Role::HintKey)),
            Span::styled(format!(" {d}  "), t.style(Role::HintDesc)),
        ]
    };
    let mut keys = Vec::new();
    for (k, d) in [
        ("↑↓", "field"),
        ("←→", "side"),
        ("s", "swap kept"),
        ("n/p", "other pair"),
        ("enter", "merge"),
        ("esc", "cancel"),
    ] {
        keys.extend(hint(k, d));
    }
    lines.push(Line::from(keys));
    let title = format!("Merge duplicates ({} of {})", view.index + 1, view.pairs.len());
    let r = centered(area, width, (lines.len() as u16 + 3).min(area.height.saturating_sub(2)));
    f.render_widget(Clear, r);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(modal_block(app, &title)), r);
}
