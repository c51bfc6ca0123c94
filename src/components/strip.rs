//! A partition's log drawn as a strip of offset cells: the newest
//! [`CELLS`] records, the log end, the high watermark, and under it each
//! group's committed offset and each share group's window.
//!
//! Strips are the busiest part of the picture: in a busy run every strip
//! gains records every frame. So a strip is a component of its own, drawn
//! again only when what it shows has changed, and its cells are keyed by
//! offset and placed by a `transform`: when the log moves on, a cell that
//! stays only moves, and only the new records are drawn. (Cells are not
//! components of their own: each kind of component costs the page some
//! 3.5 KB of Yew's code.)

use super::pick::pick;
use crate::inspect::Selection;
use crate::kafka::scene::{CELLS, Cell, CellShare, CommitMarker, STRIP_H, ShareWindow, Strip};
use crate::picture::fit;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties)]
pub struct StripProps {
    pub strip: Rc<Strip>,
    /// The selection, when it is this strip's partition or one of its
    /// records (else a selection elsewhere would draw every strip again).
    pub selected: Option<Selection>,
    pub on_select: Callback<Selection>,
}

/// Two strips are the same when they show the same. The callback is left
/// out: the picture's is the same in effect from frame to frame, and
/// comparing it would draw every strip every frame.
impl PartialEq for StripProps {
    fn eq(&self, other: &Self) -> bool {
        (Rc::ptr_eq(&self.strip, &other.strip) || self.strip == other.strip)
            && self.selected == other.selected
    }
}

impl StripProps {
    /// Whether `selection` is about this strip.
    pub fn concerns(strip: &Strip, selection: Selection) -> bool {
        match selection {
            Selection::Partition(tp) => tp == strip.tp,
            Selection::Record(id) => strip.cells.iter().any(|c| c.record == id),
            _ => false,
        }
    }
}

#[component]
pub fn StripView(props: &StripProps) -> Html {
    let s = &*props.strip;
    let slots = (0..CELLS).map(|i| {
        html! {
            <rect class="slot" x={(s.x + i as f64 * s.cell_w).to_string()} y={s.y.to_string()}
                  width={s.cell_w.to_string()} height={STRIP_H.to_string()} />
        }
    });
    // Cells are the most numerous thing drawn: they carry their record's
    // id, and one pair of handlers on the picture picks whichever is
    // clicked.
    let cells = s.cells.iter().map(|c| cell(s, c, props.selected));
    let end_x = s.x + s.cells.last().map_or(0.0, |c| c.x - s.x + s.cell_w);
    let pick = pick(&props.on_select, props.selected, Selection::Partition(s.tp));
    let right = s.x + CELLS as f64 * s.cell_w + 8.0;
    html! {
        <g class={classes!("partition", s.dead_letter.then_some("dead-letter"))} data-testid="partition"
           data-partition={s.tp.partition.to_string()} data-connect={format!("topic:{}", s.topic)}
           data-log-end={s.log_end.to_string()}>
            <text class={classes!("strip-label", pick.class)} x={(s.x - 10.0).to_string()} y={(s.y + 20.0).to_string()}
                  data-testid="partition-label" role="button" tabindex="0"
                  aria-label={format!("Partition {}: inspect", s.label)}
                  onclick={pick.onclick} onkeydown={pick.onkeydown}>{ &s.label }</text>
            { for slots }
            <g class="cells">{ for cells }</g>
            <line class="log-end" x1={end_x.to_string()} x2={end_x.to_string()}
                  y1={(s.y - 2.0).to_string()} y2={(s.y + STRIP_H + 2.0).to_string()} />
            <text class="log-end-label" x={right.to_string()} y={(s.y + 12.0).to_string()}>
                { format!("log end {}", s.log_end) }
            </text>
            if let Some((hw, x)) = s.high_watermark {
                <g class="high-watermark" data-high-watermark={hw.to_string()}>
                    <title>{ format!("High watermark {hw}: every in-sync replica has the records below it; consumers read only those") }</title>
                    <line x1={x.to_string()} x2={x.to_string()} y1={(s.y - 6.0).to_string()} y2={(s.y + STRIP_H + 6.0).to_string()} />
                    <text x={right.to_string()} y={(s.y + 26.0).to_string()}>{ format!("HW {hw}") }</text>
                </g>
            }
            if s.log_start > 0 {
                <text class="log-end-label" data-testid="log-start" x={right.to_string()} y={(s.y + 26.0).to_string()}>
                    <title>{ "Retention deleted the older records" }</title>
                    { format!("kept from {}", s.log_start) }
                </text>
            }
            { for s.markers.iter().enumerate().map(|(i, m)| marker(s, m, i)) }
            { for s.shares.iter().enumerate().map(|(i, w)| share_window(s, w, i)) }
        </g>
    }
}

/// A cell: its record's shape and words, drawn from its own corner and
/// placed by its `transform`, so that moving along the strip changes only
/// that.
///
/// Cells are the most numerous thing in the picture, so a cell's button
/// is its shape itself, a `rect` holding its tooltip, rather than a group
/// around it (see [`pick`](super::pick)), and its words are drawn beside
/// it, hidden from screen readers (the label says them) and letting clicks
/// through. Five elements a cell, not seven.
fn cell(s: &Strip, c: &Cell, selected: Option<Selection>) -> Html {
    let w = s.cell_w;
    let title = match &c.key {
        Some(k) => format!("offset {}: key {k}", c.offset),
        None => format!("offset {}: no key", c.offset),
    };
    let share = c.share.as_ref();
    let title = match share {
        Some(sh) => format!("{title}; {}", share_said(sh)),
        None => title,
    };
    let chosen = (selected == Some(Selection::Record(c.record))).then_some("selected");
    html! {
        <g key={c.offset} class={classes!("cell", chosen, share.map(|sh| format!("share-{}", sh.state)))}
           data-testid="record" data-offset={c.offset.to_string()} data-record={c.record.0.to_string()}
           data-share={share.map(|sh| sh.state)} data-deliveries={share.map(|sh| sh.deliveries.to_string())}
           transform={format!("translate({},{})", c.x, s.y)}>
            <rect class="hit" x="2" y="2" width={(w - 4.0).to_string()} height={(STRIP_H - 4.0).to_string()} rx="4" fill={c.colour}
                  role="button" tabindex="0" aria-label={format!("Record in {}, {title}: inspect", s.label)}>
                <title>{ title }</title>
            </rect>
            if let Some(holder) = share.and_then(|sh| sh.holder) {
                <rect class="holder" x="1" y="1" width={(w - 2.0).to_string()}
                      height={(STRIP_H - 2.0).to_string()} rx="5" stroke={holder} aria-hidden="true" />
            }
            <text class="letter" x={(w / 2.0).to_string()} y="20" aria-hidden="true">{ &c.letter }</text>
            <text class="offset" x={(w / 2.0).to_string()} y="-4" aria-hidden="true">{ c.offset }</text>
            if let Some(sh) = share.filter(|sh| sh.deliveries > 1 || sh.state == "archived") {
                <text class="deliveries" x={(w - 4.0).to_string()} y={(STRIP_H - 4.0).to_string()} aria-hidden="true">
                    { if sh.state == "archived" { "✕".to_string() } else { format!("×{}", sh.deliveries) } }
                </text>
            }
        </g>
    }
}

/// The height of one line of markers under a strip.
const MARKER_LINE_H: f64 = 13.0;

/// A cell's share state in words.
fn share_said(sh: &CellShare) -> String {
    let times = |n: u32| {
        if n == 1 {
            "once".to_string()
        } else {
            format!("{n} times")
        }
    };
    match sh.state {
        "done" => "done for the share group".to_string(),
        "available" if sh.deliveries == 0 => "available to the share group".to_string(),
        "available" => format!("available again, delivered {}", times(sh.deliveries)),
        "acquired" => format!(
            "acquired (delivery {}), locked for one member",
            sh.deliveries
        ),
        "acknowledged" => "acknowledged: done".to_string(),
        _ => format!(
            "archived after {} deliveries: never delivered again",
            sh.deliveries
        ),
    }
}

/// A share group's window under the strip: the start offset (SPSO) and
/// the in-flight records up to the last acquired; the `i`-th share group
/// on the strip.
fn share_window(s: &Strip, w: &ShareWindow, i: usize) -> Html {
    // Below the commit markers of the consumer groups that read it too.
    let y = s.y + STRIP_H + 2.0 + MARKER_LINE_H * (s.markers.len() + i) as f64;
    let arrow = if w.off_strip { "◀ " } else { "" };
    let label = format!(
        "{arrow}{}: start {} · {} held · {} archived",
        fit(&w.group, 12),
        w.start,
        w.acquired,
        w.archived
    );
    let (text_x, anchor) = beside(s, w.start_x);
    html! {
        <g class="share-window" data-start={w.start.to_string()} data-end={w.end.to_string()}
           data-archived={w.archived.to_string()}>
            <title>{ format!(
                "Share group {}: records below offset {} (the share-partition start offset) are done; {} to {} are in flight",
                w.group, w.start, w.start, w.end.saturating_sub(1)
            ) }</title>
            <line class="window" x1={w.start_x.to_string()} x2={w.end_x.max(w.start_x).to_string()}
                  y1={(y - 0.5).to_string()} y2={(y - 0.5).to_string()} />
            <polygon points={format!("{},{} {},{} {},{}", w.start_x, y, w.start_x - 6.0, y + 9.0, w.start_x + 6.0, y + 9.0)} />
            <text x={text_x.to_string()} y={(y + 10.0).to_string()} text-anchor={anchor}>{ label }</text>
        </g>
    }
}

/// Where a marker's words go: where the strip has room, after the marker,
/// or before it when it is in the strip's right half.
fn beside(s: &Strip, x: f64) -> (f64, &'static str) {
    if x > s.x + CELLS as f64 * s.cell_w / 2.0 {
        (x - 9.0, "end")
    } else {
        (x + 9.0, "start")
    }
}

/// A group's committed offset under the strip, each group on a line of
/// its own (the `line`-th).
fn marker(s: &Strip, m: &CommitMarker, line: usize) -> Html {
    let y = s.y + STRIP_H + 2.0 + MARKER_LINE_H * line as f64;
    let arrow = if m.off_strip { "◀ " } else { "" };
    // With several groups on the strip, each line says whose it is.
    let group = if s.markers.len() + s.shares.len() > 1 {
        format!("{}: ", fit(&m.group, 12))
    } else {
        String::new()
    };
    let label = format!("{arrow}{group}committed {} · lag {}", m.offset, m.lag);
    let (text_x, anchor) = beside(s, m.x);
    html! {
        <g class="commit-marker" data-committed={m.offset.to_string()}>
            <title>{ format!("group {}: committed offset {}, lag {}", m.group, m.offset, m.lag) }</title>
            <polygon points={format!("{},{} {},{} {},{}", m.x, y, m.x - 6.0, y + 9.0, m.x + 6.0, y + 9.0)} />
            <text x={text_x.to_string()} y={(y + 10.0).to_string()} text-anchor={anchor}>{ label }</text>
        </g>
    }
}
