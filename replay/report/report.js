// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// ebpfrec report: draws the charts of a capture as inline SVG from the JSON
// block in the page. No libraries, nothing fetched: the page works offline.
// Every chart container gets data-rendered="ok" | "empty" | "error" when it
// is done, and <body> gets data-report-status="ok" once all are.
(function () {
  'use strict';

  var SVGNS = 'http://www.w3.org/2000/svg';
  var FAMILY_COLORS = {
    process: '#4e79a7', syscall: '#f28e2b', network: '#59a14f', memory: '#e15759',
    file: '#76b7b2', custom: '#b07aa1', meta: '#9c755f', none: '#bab0ac'
  };
  var DROP_COLORS = ['#e15759', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#4e79a7', '#59a14f', '#bab0ac'];
  var PAIR = ['#4e79a7', '#f28e2b'];

  // ------------------------------------------------------------ helpers

  function h(tag, attrs, parent, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (parent) parent.appendChild(e);
    return e;
  }

  function s(tag, attrs, parent, text) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (parent) parent.appendChild(e);
    return e;
  }

  function fmtNum(v) {
    var a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(a >= 1e10 ? 0 : 1) + 'G';
    if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
    if (a >= 1e3) return (v / 1e3).toFixed(a >= 1e4 ? 0 : 1) + 'k';
    if (a === Math.round(a)) return String(v);
    return v.toFixed(a >= 10 ? 0 : a >= 1 ? 1 : 2);
  }

  function fmtInt(v) {
    return String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  function fmtBytes(v) {
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var i = 0;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i ? v.toFixed(v >= 100 ? 0 : 1) : String(v)) + ' ' + units[i];
  }

  function fmtNs(ns) {
    if (ns < 1e3) return Math.round(ns) + ' ns';
    if (ns < 1e6) return +(ns / 1e3).toPrecision(3) + ' \u00b5s';
    if (ns < 1e9) return +(ns / 1e6).toPrecision(3) + ' ms';
    return +(ns / 1e9).toPrecision(4) + ' s';
  }

  // axis labels of power-of-two buckets: two digits are enough (the tooltip has more)
  function fmtNsShort(ns) {
    if (ns < 1e3) return Math.round(ns) + 'ns';
    if (ns < 1e6) return +(ns / 1e3).toPrecision(2) + '\u00b5s';
    if (ns < 1e9) return +(ns / 1e6).toPrecision(2) + 'ms';
    return +(ns / 1e9).toPrecision(2) + 's';
  }

  function fmtSec(v) {
    return +v.toPrecision(6) + ' s';
  }

  // 1, 2 or 5 times a power of ten, so that about n steps cover range
  function niceStep(range, n) {
    if (!(range > 0)) return 1;
    var raw = range / n, p = Math.pow(10, Math.floor(Math.log10(raw))), m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }

  function empty(el, text) {
    h('p', { class: 'empty' }, el, text);
    return 'empty';
  }

  function legend(el, items) {
    var l = h('div', { class: 'legend' }, el);
    items.forEach(function (it) {
      var span = h('span', null, l);
      h('i', { style: 'background:' + it.color }, span);
      span.appendChild(document.createTextNode(it.name));
    });
  }

  // ------------------------------------------------------------ charts

  // Lines over time: xs in seconds, each series a list of values per x.
  function lineChart(el, xs, series, yFmt, tipFmt) {
    var W = 1000, H = 250, L = 62, R = 14, T = 10, B = 30;
    var ymax = 0;
    series.forEach(function (sr) { sr.values.forEach(function (v) { if (v > ymax) ymax = v; }); });
    var x0 = xs[0], x1 = xs[xs.length - 1];
    if (x1 <= x0) x1 = x0 + 1;
    var ystep = niceStep(ymax, 5), ytop = Math.ceil(ymax / ystep) * ystep || 1;
    var svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img' }, el);
    function X(x) { return L + (x - x0) / (x1 - x0) * (W - L - R); }
    function Y(y) { return T + (1 - y / ytop) * (H - T - B); }
    var grid = s('g', { class: 'grid' }, svg), axis = s('g', { class: 'axis' }, svg);
    for (var y = 0; y <= ytop + ystep / 2; y += ystep) {
      s('line', { x1: L, x2: W - R, y1: Y(y), y2: Y(y) }, grid);
      s('text', { x: L - 6, y: Y(y) + 4, 'text-anchor': 'end' }, axis, yFmt(y));
    }
    var xstep = niceStep(x1 - x0, 10);
    for (var x = Math.ceil(x0 / xstep) * xstep; x <= x1 + 1e-9; x += xstep) {
      s('line', { x1: X(x), x2: X(x), y1: H - B, y2: H - B + 4 }, axis);
      s('text', { x: X(x), y: H - B + 16, 'text-anchor': 'middle' }, axis, fmtSec(x));
    }
    s('line', { x1: L, x2: W - R, y1: H - B, y2: H - B }, axis);
    series.forEach(function (sr) {
      var d = '';
      sr.values.forEach(function (v, i) {
        d += (i ? 'L' : 'M') + X(xs[i]).toFixed(1) + ' ' + Y(v).toFixed(1);
      });
      s('path', { d: d, fill: 'none', stroke: sr.color, 'stroke-width': 1.8, 'stroke-linejoin': 'round' }, svg);
    });
    // one invisible column per bucket carries a tooltip with every series' value
    var hover = s('g', { fill: 'transparent' }, svg), wcol = (W - L - R) / Math.max(xs.length, 1);
    xs.forEach(function (xv, i) {
      var r = s('rect', { x: X(xv) - wcol / 2, y: T, width: wcol, height: H - T - B }, hover);
      s('title', null, r, fmtSec(xv) + '\n' + series.map(function (sr) {
        return sr.name + ': ' + tipFmt(sr.values[i]);
      }).join('\n'));
    });
    legend(el, series);
    return 'ok';
  }

  // Horizontal bars: rows of {label, parts: [numbers], tip}; parts stack.
  function barChart(el, rows, names, colors, fmt) {
    var W = 560, rowH = 22, L = 190, R = 86, T = 4;
    var H = T + rows.length * rowH + 4;
    var max = 0;
    rows.forEach(function (r) {
      var t = r.parts.reduce(function (a, b) { return a + b; }, 0);
      if (t > max) max = t;
    });
    if (!max) max = 1;
    var svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img' }, el);
    rows.forEach(function (r, i) {
      var y = T + i * rowH, x = L, total = 0;
      var g = s('g', null, svg);
      var label = r.label.length > 30 ? '\u2026' + r.label.slice(-29) : r.label;
      s('text', { x: L - 8, y: y + 15, 'text-anchor': 'end' }, g, label);
      r.parts.forEach(function (v, j) {
        var w = v / max * (W - L - R);
        if (w > 0) s('rect', { x: x, y: y + 3, width: Math.max(w, 0.8), height: rowH - 7, fill: colors[j], rx: 2 }, g);
        x += w;
        total += v;
      });
      s('text', { x: x + 6, y: y + 15 }, g, fmt(total));
      s('title', null, g, r.tip || (r.label + ': ' + fmt(total)));
    });
    if (names.length > 1)
      legend(el, names.map(function (n, j) { return { name: n, color: colors[j] }; }));
    return 'ok';
  }

  // One log2 latency histogram: vertical bars per bucket [low, 2 low).
  function histChart(el, hist, color) {
    var W = 340, H = 150, L = 40, R = 6, T = 8, B = 34;
    var n = hist.buckets.length, max = 0;
    hist.buckets.forEach(function (b) { if (b[1] > max) max = b[1]; });
    var svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img' }, el);
    var axis = s('g', { class: 'axis' }, svg), grid = s('g', { class: 'grid' }, svg);
    var ystep = niceStep(max, 3), ytop = Math.ceil(max / ystep) * ystep || 1;
    function Y(y) { return T + (1 - y / ytop) * (H - T - B); }
    for (var y = 0; y <= ytop + ystep / 2; y += ystep) {
      s('line', { x1: L, x2: W - R, y1: Y(y), y2: Y(y) }, grid);
      s('text', { x: L - 4, y: Y(y) + 4, 'text-anchor': 'end' }, axis, fmtNum(y));
    }
    var bw = (W - L - R) / n;
    var every = Math.ceil(n / 6);
    hist.buckets.forEach(function (b, i) {
      var x = L + i * bw, hgt = (H - T - B) - (Y(b[1]) - T);
      var g = s('g', null, svg);
      s('rect', { x: x + 1, y: Y(b[1]), width: Math.max(bw - 2, 1), height: Math.max(hgt, b[1] ? 1 : 0), fill: color }, g);
      s('title', null, g, '[' + fmtNs(b[0]) + ', ' + fmtNs(b[0] ? 2 * b[0] : 1) + '): ' + fmtInt(b[1]) + ' calls');
      if (i % every === 0)
        s('text', { x: x + bw / 2, y: H - B + 14, 'text-anchor': 'middle' }, axis, fmtNsShort(b[0]));
    });
    s('line', { x1: L, x2: W - R, y1: H - B, y2: H - B }, axis);
    s('text', { x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle' }, axis, 'latency (bucket start)');
    return 'ok';
  }

  function table(el, cols, rows) {
    var t = h('table', null, el), tr = h('tr', null, h('thead', null, t));
    cols.forEach(function (c) { h('th', { class: c.num ? 'num' : '' }, tr, c.title); });
    var body = h('tbody', null, t);
    rows.forEach(function (r) {
      var row = h('tr', null, body);
      cols.forEach(function (c) { h('td', { class: c.num ? 'num' : c.mono ? 'mono' : '' }, row, c.get(r)); });
    });
    return t;
  }

  // ------------------------------------------------------------ sections

  function parseConfig(text) {
    if (!text) return null;
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  function renderMeta(el, d) {
    var m = d.meta, grid = h('div', { class: 'meta-grid' }, el);
    var left = h('table', null, grid), right = h('table', null, grid);
    function row(t, k, v, cls) {
      var tr = h('tr', null, t);
      h('th', null, tr, k);
      h('td', cls ? { class: cls } : null, tr, v);
    }
    var cfg = parseConfig(m.config);
    row(left, 'Host', m.host);
    row(left, 'Kernel', 'Linux ' + m.kernel_release + ' ' + m.kernel_version);
    row(left, 'Machine', m.machine + ', ' + m.ncpus + ' CPUs');
    row(left, 'Started', m.started);
    if (m.first_event) row(left, 'Events from', m.first_event + ' to ' + m.last_event);
    row(left, 'Duration', fmtSec(m.duration_s));
    row(left, 'Events', fmtInt(m.events) + ' in ' + fmtInt(m.segments) + ' segments' +
      (d.window_events !== m.events ? ' (' + fmtInt(d.window_events) + ' shown here)' : ''));
    row(left, 'File', m.file + ', ' + fmtBytes(m.file_size) + ' (' + fmtBytes(m.raw_bytes) + ' of records)', 'mono');
    row(left, 'Status', m.status === 'complete' ? 'complete' :
      'RECOVERED: ' + m.segments_lost + ' segments and ' + fmtBytes(m.bytes_lost) + ' lost', m.status === 'complete' ? 'ok' : 'bad');
    if (m.command) row(left, 'Command', m.command, 'mono');
    if (m.window_s) row(left, 'Window', fmtSec(m.window_s[0]) + ' to ' + (m.window_s[1] === null ? 'end' : fmtSec(m.window_s[1])) + ' after the first event');
    if (m.only_types) row(left, 'Only types', m.only_types.join(', '));
    row(left, 'Capture id', m.uuid, 'mono');
    row(left, 'Written by', 'ebpfrec ' + m.tool_version + ', format ' + m.format_major + '.' + m.format_minor + '; report by ebpfrec ' + m.report_version);
    row(left, 'Processes', m.snapshot_processes + ' in the snapshot at start; ' + m.cgroups + ' cgroups');
    var redact = null;
    if (cfg && typeof cfg === 'object')
      Object.keys(cfg).forEach(function (k) { if (/redact/i.test(k)) redact = (redact ? redact + '; ' : '') + k + ': ' + JSON.stringify(cfg[k]); });
    if (redact) row(left, 'Redaction', redact, 'mono');

    var ok = m.probes.filter(function (p) { return p.ok; }).length;
    row(right, 'Probes', ok + ' attached, ' + (m.probes.length - ok) + ' failed', m.probes.length - ok ? 'bad' : 'ok');
    if (m.probes.length) {
      var tr = h('tr', null, right);
      h('td', { colspan: 2 }, tr);
      table(tr.firstChild, [
        { title: '', get: function (p) { return p.ok ? '\u2713' : '\u2717'; } },
        { title: 'family', get: function (p) { return p.family; } },
        { title: 'probe', get: function (p) { return p.name; } },
        { title: 'attach point', mono: true, get: function (p) { return p.attach + (p.ok ? '' : ' \u2014 ' + p.message); } }
      ], m.probes);
    }
    var drops = Object.keys(m.drops);
    row(right, 'Drops', drops.length ? drops.map(function (k) { return k + ': ' + fmtInt(m.drops[k]); }).join('; ') : 'none',
      drops.length ? 'bad' : 'ok');
    if (m.types.length) {
      var tr2 = h('tr', null, right);
      h('th', null, tr2, 'Events by type');
      table(h('td', null, tr2), [
        { title: 'type', get: function (t) { return t.type; } },
        { title: 'family', get: function (t) { return t.family; } },
        { title: 'events', num: true, get: function (t) { return fmtInt(t.count); } }
      ], m.types);
    }
    if (cfg) row(right, 'Recorder config', JSON.stringify(cfg), 'mono');
    return 'ok';
  }

  function xsOf(d) {
    var xs = [];
    for (var i = 0; i < d.series.buckets; i++) xs.push(d.series.start_s + (i + 0.5) * d.series.bucket_s);
    return xs;
  }

  function rateFmt(v) { return fmtNum(v) + '/s'; }

  function renderEvents(el, d) {
    if (!d.series.buckets || !d.series.families.length) return empty(el, 'No events in this capture.');
    var per = 1 / d.series.bucket_s;
    var series = d.series.families.map(function (f) {
      return {
        name: f.name + ' (' + fmtInt(f.total) + ')', color: FAMILY_COLORS[f.name] || '#888',
        values: f.counts.map(function (c) { return c * per; })
      };
    });
    h('p', { class: 'note' }, el, 'Per ' + fmtSec(d.series.bucket_s) + ' bucket, as a rate.');
    return lineChart(el, xsOf(d), series, fmtNum, rateFmt);
  }

  function renderDrops(el, d) {
    if (!d.series.buckets || !d.series.drops.length) return empty(el, 'No drops: every event the probes saw is in the capture.');
    var per = 1 / d.series.bucket_s;
    var series = d.series.drops.map(function (f, i) {
      return {
        name: f.name + ' (' + fmtInt(f.total) + ')', color: DROP_COLORS[i % DROP_COLORS.length],
        values: f.counts.map(function (c) { return c * per; })
      };
    });
    return lineChart(el, xsOf(d), series, fmtNum, rateFmt);
  }

  function procLabel(p) { return p.comm + ' (' + p.pid + ')'; }

  function renderProcsEvents(el, d) {
    if (!d.procs_by_events.length) return empty(el, 'No events.');
    return barChart(el, d.procs_by_events.map(function (p) {
      return {
        label: procLabel(p), parts: [p.events],
        tip: procLabel(p) + ': ' + fmtInt(p.events) + ' events, ' + fmtInt(p.syscalls) + ' syscalls, ' + fmtNs(p.syscall_ns) + ' in syscalls'
      };
    }), ['events'], [PAIR[0]], fmtNum);
  }

  function renderProcsTime(el, d) {
    var rows = d.procs_by_time.filter(function (p) { return p.syscall_ns > 0; });
    if (!rows.length) return empty(el, 'No syscall events with durations.');
    h('p', { class: 'note' }, el, 'Time between syscall entry and return, summed over threads (blocked calls included).');
    return barChart(el, rows.map(function (p) {
      return {
        label: procLabel(p), parts: [p.syscall_ns],
        tip: procLabel(p) + ': ' + fmtNs(p.syscall_ns) + ' in ' + fmtInt(p.syscalls) + ' syscalls'
      };
    }), ['syscall time'], [PAIR[1]], fmtNs);
  }

  function renderSyscalls(el, d) {
    if (!d.syscalls.length) return empty(el, 'No syscall events.');
    var max = d.syscalls[0].total_ns || 1;
    var t = table(el, [
      { title: 'syscall', get: function (r) { return r.name; } },
      { title: 'calls', num: true, get: function (r) { return fmtInt(r.count); } },
      { title: 'errors', num: true, get: function (r) { return fmtInt(r.errors); } },
      { title: 'total', num: true, get: function (r) { return fmtNs(r.total_ns); } },
      { title: 'average', num: true, get: function (r) { return fmtNs(r.count ? r.total_ns / r.count : 0); } },
      { title: 'max', num: true, get: function (r) { return fmtNs(r.max_ns); } },
      { title: '', get: function () { return ''; } }
    ], d.syscalls);
    // a bar of total time in the last column
    var cells = t.querySelectorAll('tbody tr td:last-child');
    d.syscalls.forEach(function (r, i) {
      var svg = s('svg', { viewBox: '0 0 300 12', width: 300, height: 12, style: 'width:300px' }, cells[i]);
      s('rect', { x: 0, y: 1, width: Math.max(r.total_ns / max * 300, 0.8), height: 10, fill: FAMILY_COLORS.syscall, rx: 2 }, svg);
    });
    return 'ok';
  }

  function renderHists(el, d) {
    if (!d.hists.length) return empty(el, 'No syscall latencies.');
    var grid = h('div', { class: 'hist-grid' }, el);
    d.hists.forEach(function (hg, i) {
      var box = h('div', { 'data-hist': hg.name }, grid);
      h('h3', null, box, hg.name);
      h('p', { class: 'sub' }, box, fmtInt(hg.count) + ' calls, total ' + fmtNs(hg.sum_ns) + ', max ' + fmtNs(hg.max_ns));
      histChart(box, hg, i % 2 ? '#e8a33d' : FAMILY_COLORS.syscall);
    });
    return 'ok';
  }

  function renderPeers(el, d) {
    if (!d.peers.length) return empty(el, 'No network connections closed in this capture.');
    return barChart(el, d.peers.map(function (p) {
      return {
        label: p.name, parts: [p.sent, p.received],
        tip: p.name + ' (' + p.protocol + '): sent ' + fmtBytes(p.sent) + ', received ' + fmtBytes(p.received) +
          ', ' + fmtInt(p.conns) + (p.protocol === 'udp' ? ' datagrams' : ' connections') +
          (p.retransmits ? ', ' + p.retransmits + ' retransmits' : '')
      };
    }), ['sent', 'received'], PAIR, fmtBytes);
  }

  function renderFiles(el, d) {
    var rows = d.files.filter(function (f) { return f.read + f.written > 0; });
    if (!rows.length) return empty(el, 'No file reads or writes with data.');
    return barChart(el, rows.map(function (f) {
      return {
        label: f.name, parts: [f.read, f.written],
        tip: f.name + ': read ' + fmtBytes(f.read) + ' in ' + fmtInt(f.reads) + ' calls, wrote ' + fmtBytes(f.written) + ' in ' + fmtInt(f.writes) + ' calls'
      };
    }), ['read', 'written'], PAIR, fmtBytes);
  }

  // ------------------------------------------------------------ main

  var sections = [
    ['c-meta', renderMeta], ['c-events', renderEvents], ['c-drops', renderDrops],
    ['c-procs-events', renderProcsEvents], ['c-procs-time', renderProcsTime],
    ['c-syscalls', renderSyscalls], ['c-hists', renderHists],
    ['c-peers', renderPeers], ['c-files', renderFiles]
  ];
  var status = document.getElementById('status');
  var data;

  try {
    data = JSON.parse(document.getElementById('ebr-data').textContent);
  } catch (e) {
    status.textContent = 'The report data could not be read: ' + e.message;
    document.body.setAttribute('data-report-status', 'error');
    console.error('report data: ' + e.message);
    return;
  }
  document.title = 'ebpfrec report: ' + data.meta.host + ', ' + data.meta.started;
  document.getElementById('title-host').textContent = data.meta.host;
  document.getElementById('subtitle').textContent = fmtInt(data.window_events) + ' events over ' +
    fmtSec(data.meta.duration_s) + ' from ' + data.meta.file;

  var failed = 0, done = 0;
  sections.forEach(function (sec) {
    var el = document.getElementById(sec[0]);
    try {
      el.setAttribute('data-rendered', sec[1](el, data) || 'ok');
      done++;
    } catch (e) {
      failed++;
      el.setAttribute('data-rendered', 'error');
      h('p', { class: 'error' }, el, 'This chart could not be drawn: ' + e.message);
      console.error('chart ' + sec[0] + ': ' + (e && e.stack ? e.stack : e));
    }
  });
  status.textContent = failed ? failed + ' of ' + sections.length + ' charts failed' :
    'All ' + done + ' charts drawn. Made by ebpfrec ' + data.meta.report_version + ' from capture ' + data.meta.uuid + '.';
  document.body.setAttribute('data-report-status', failed ? 'error' : 'ok');
})();
