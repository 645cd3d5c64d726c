// shishi battle board (挂图作战): draws the charts from the page's #board-data with ECharts,
// runs the wall screen (panels in turn, data fetched again every few minutes) and assembles
// the print sheet into one PNG. The page shows every number and table without it.
(function () {
  "use strict";

  var C = {
    red: "#c62828", yellow: "#e0a000", green: "#2e9d5b", blue: "#1c64b9", orange: "#d9480f",
    grey: "#9aa5b1", plan: "#7b8794"
  };
  var LIGHT = { red: C.red, yellow: C.yellow, green: C.green };
  var STATUS = {
    done_early: "#1d7a46", done: "#2e9d5b", ahead: "#43a5f5", on_schedule: "#1c64b9",
    behind: "#e0a000", seriously_behind: "#d9480f", overdue: "#a8201a", ongoing: "#7b8794",
    unscheduled: "#c3cad2"
  };
  var charts = [];

  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  function readData() {
    var el = document.getElementById("board-data");
    return el ? JSON.parse(el.textContent) : null;
  }

  function boardMode() {
    var el = document.querySelector("[data-board]");
    return el ? el.getAttribute("data-board") : "page";
  }

  function look(mode) {
    if (mode === "wall") {
      // Sizes of the 1920×1080 design, scaled to the screen as the stylesheet's --u.
      var k = Math.max(0.5, Math.min(window.innerWidth / 1920, window.innerHeight / 1080));
      return { mode: mode, font: Math.round(20 * k), small: Math.round(17 * k), text: "#cfe0f5", axis: "#3a5578", split: "#16304f",
        dark: true, animation: true, plan: "#c3cad2", labelWidth: Math.round(360 * k) };
    }
    if (mode === "print") {
      return { mode: mode, font: 10, small: 9, text: "#333", axis: "#b0b8c1", split: "#eef1f4",
        dark: false, animation: false, plan: C.plan, labelWidth: 150 };
    }
    return { mode: mode, font: 12, small: 11, text: "#52606d", axis: "#cbd2d9", split: "#eef1f4",
      dark: false, animation: true, plan: C.plan, labelWidth: 210 };
  }

  var english = (document.documentElement.lang || "").indexOf("en") === 0;

  function parts(iso) { return iso.split("-").map(function (s) { return parseInt(s, 10); }); }
  function ts(iso) { var p = parts(iso); return new Date(p[0], p[1] - 1, p[2]).getTime(); }
  function md(iso) { var p = parts(iso); return english ? p[1] + "/" + p[2] : p[1] + "月" + p[2] + "日"; }
  function ymd(iso) {
    if (!iso) { return ""; }
    var p = parts(iso);
    return english ? iso : p[0] + "年" + p[1] + "月" + p[2] + "日";
  }
  function pct(v) { return v === null || v === undefined ? "—" : (Math.round(v * 10) / 10) + "%"; }
  function esc(s) { return window.echarts.format.encodeHTML(String(s === null || s === undefined ? "" : s)); }
  // Axis tooltips written here, not by ECharts' default: its colour markers are inline style
  // attributes, which the site's Content-Security-Policy (style-src 'self') refuses.
  function axisTip(ps) {
    ps = [].concat(ps);
    var lines = ps.map(function (p) {
      var v = Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value;
      return esc(p.seriesName) + " " + (v === null || v === undefined || v === "-" ? "—" : esc(v));
    });
    return "<b>" + esc(ps[0].axisValueLabel) + "</b><br>" + lines.join("<br>");
  }
  function trunc(s, n) { return s.length > n ? s.slice(0, n - 1) + "…" : s; }
  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + a + ")";
  }
  function textStyle(st, size) { return { color: st.text, fontSize: size || st.font }; }

  function base(st) {
    return {
      animation: st.animation,
      backgroundColor: "transparent",
      textStyle: { fontFamily: "-apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif" }
    };
  }

  function empty(st, text) {
    var o = base(st);
    o.graphic = [{ type: "text", left: "center", top: "middle", style: { text: text, fill: st.text, fontSize: st.font + 2 } }];
    return o;
  }

  // --- the charts ----------------------------------------------------------------------

  function statusChart(el, d, st) {
    var data = d.by_status.filter(function (c) { return c.value > 0; }).map(function (c) {
      return { name: c.label, value: c.value, href: c.href, itemStyle: { color: STATUS[c.key] || C.grey } };
    });
    if (!data.length) { return empty(st, d.labels.no_data); }
    var total = d.totals.items.value;
    var withLegend = st.mode === "wall";
    var o = base(st);
    o.tooltip = { trigger: "item", formatter: "{b}: {c} ({d}%)", textStyle: { fontSize: st.font } };
    if (withLegend) {
      o.legend = { orient: "vertical", right: st.mode === "wall" ? "6%" : 0, top: "middle", textStyle: textStyle(st, st.font), itemGap: st.mode === "wall" ? 18 : 6,
        formatter: function (name) {
          var hit = data.filter(function (x) { return x.name === name; })[0];
          return name + "  " + (hit ? hit.value : "");
        } };
    }
    var center = withLegend ? ["40%", "50%"] : ["50%", "50%"];
    o.series = [{
      type: "pie", radius: ["48%", "76%"], center: center, data: data, avoidLabelOverlap: true,
      label: { show: !withLegend, formatter: "{c}", fontSize: st.small, color: st.text },
      labelLine: { length: 6, length2: 6 },
      itemStyle: { borderColor: st.dark ? "#07111f" : "#fff", borderWidth: 2 },
      emphasis: { scale: true }
    }];
    var label = { text: String(total) + "\n" + d.labels.items, fill: st.dark ? "#fff" : "#1f2933",
      fontSize: st.font * 1.6, fontWeight: "bold", textAlign: "center", textVerticalAlign: "middle",
      lineHeight: st.font * 1.9 };
    o.graphic = [withLegend
      ? { type: "text", x: el.clientWidth * 0.4, y: el.clientHeight / 2, style: label }
      : { type: "text", left: "center", top: "middle", style: label }];
    return o;
  }

  function categoryChart(el, d, st) {
    var rows = d.categories;
    if (!rows.length) { return empty(st, d.labels.no_data); }
    var names = rows.map(function (r) { return r.name; });
    function series(name, color, pick) {
      return {
        name: name, type: "bar", stack: "n", barMaxWidth: st.mode === "wall" ? 56 : 26,
        itemStyle: { color: color },
        label: { show: true, color: "#fff", fontSize: st.small, formatter: function (p) { return p.value > 0 ? p.value : ""; } },
        data: rows.map(pick)
      };
    }
    var o = base(st);
    o.legend = { top: 0, textStyle: textStyle(st), data: [d.labels.done, d.labels.behind, d.labels.other] };
    o.grid = { left: 8, right: 24, top: st.mode === "wall" ? 50 : 30, bottom: 4, containLabel: true };
    o.tooltip = { trigger: "axis", axisPointer: { type: "shadow" }, textStyle: { fontSize: st.font },
      formatter: function (ps) {
        var r = rows[ps[0].dataIndex];
        return "<b>" + esc(r.name) + "</b><br>" + d.labels.items + " " + r.items.value + " · " +
          d.labels.done + " " + r.done.value + " · " + d.labels.behind + " " + r.behind.value + "<br>" +
          d.labels.completion + " " + pct(r.completion_rate) + " / " + d.labels.planned + " " + pct(r.planned_rate);
      } };
    o.xAxis = { type: "value", minInterval: 1, axisLabel: textStyle(st, st.small), splitLine: { lineStyle: { color: st.split } } };
    o.yAxis = { type: "category", data: names, inverse: true, axisLabel: { color: st.text, fontSize: st.font, width: st.mode === "wall" ? 300 : 130, overflow: "truncate" },
      axisLine: { lineStyle: { color: st.axis } }, axisTick: { show: false } };
    o.series = [
      series(d.labels.done, C.green, function (r) { return { value: r.done.value, href: r.done.href }; }),
      series(d.labels.behind, C.orange, function (r) { return { value: r.behind.value, href: r.behind.href }; }),
      series(d.labels.other, C.blue, function (r) {
        return { value: Math.max(0, r.items.value - r.done.value - r.behind.value), href: r.items.href };
      })
    ];
    return o;
  }

  function trendChart(el, d, st) {
    var t = d.trend;
    if (!t.on.length) { return empty(st, d.labels.no_data); }
    var o = base(st);
    var width = st.mode === "wall" ? 4 : 2;
    var barWidth = st.mode === "wall" ? 14 : 8;
    o.legend = { top: 0, textStyle: textStyle(st) };
    o.grid = { left: 8, right: 8, top: st.mode === "wall" ? 56 : 34, bottom: 4, containLabel: true };
    o.tooltip = { trigger: "axis", textStyle: { fontSize: st.font }, formatter: axisTip };
    o.xAxis = { type: "category", boundaryGap: false,
      data: t.on.map(function (on, i) { return md(on) + (t.live[i] ? " (" + d.labels.live + ")" : ""); }),
      axisLabel: textStyle(st, st.small), axisLine: { lineStyle: { color: st.axis } } };
    o.yAxis = [
      { type: "value", min: 0, max: 100, axisLabel: { color: st.text, fontSize: st.small, formatter: "{value}%" }, splitLine: { lineStyle: { color: st.split } } },
      { type: "value", minInterval: 1, axisLabel: textStyle(st, st.small), splitLine: { show: false } }
    ];
    var blue = st.dark ? "#3d8bfd" : C.blue;
    o.series = [
      { name: d.labels.completion, type: "line", smooth: true, showSymbol: t.on.length < 30, symbolSize: width * 3,
        lineStyle: { width: width, color: blue }, itemStyle: { color: blue },
        areaStyle: { color: alpha(C.blue, st.dark ? 0.25 : 0.12) }, data: t.completion_rate },
      { name: d.labels.planned, type: "line", smooth: true, showSymbol: false,
        lineStyle: { width: width, type: "dashed", color: st.plan }, itemStyle: { color: st.plan }, data: t.planned_rate },
      { name: d.labels.red, type: "bar", yAxisIndex: 1, stack: "lights", barMaxWidth: barWidth,
        itemStyle: { color: alpha(C.red, 0.55) }, data: t.red },
      { name: d.labels.yellow, type: "bar", yAxisIndex: 1, stack: "lights", barMaxWidth: barWidth,
        itemStyle: { color: alpha(C.yellow, 0.55) }, data: t.yellow }
    ];
    return o;
  }

  function renderBar(params, api) {
    var row = api.value(0);
    var start = api.coord([api.value(1), row]);
    var end = api.coord([api.value(2), row]);
    var height = api.size([0, 1])[1] * 0.56;
    var cs = params.coordSys;
    var clip = { x: cs.x, y: cs.y, width: cs.width, height: cs.height };
    var width = Math.max(end[0] - start[0], 3);
    var full = window.echarts.graphic.clipRectByRect({ x: start[0], y: start[1] - height / 2, width: width, height: height }, clip);
    if (!full) { return null; }
    var rate = Math.max(0, Math.min(100, api.value(3) || 0));
    var color = api.visual("color");
    var ongoing = api.value(4) === 1;
    var children = [{
      type: "rect", shape: full,
      style: { fill: alpha(color, 0.22), stroke: color, lineWidth: 1, lineDash: ongoing ? [4, 3] : null }
    }];
    var done = rate > 0 && window.echarts.graphic.clipRectByRect(
      { x: start[0], y: start[1] - height / 2, width: width * rate / 100, height: height }, clip);
    if (done) { children.push({ type: "rect", shape: done, style: { fill: color } }); }
    return { type: "group", children: children };
  }

  function ganttChart(el, d, st) {
    var g = d.gantt;
    var limit = parseInt(el.getAttribute("data-rows") || "0", 10);
    var rows = limit ? g.rows.slice(0, limit) : g.rows;
    if (!rows.length) { el.style.height = "120px"; return empty(st, d.labels.no_data); }
    var yearEnd = ts(g.year_end);
    var visible = limit ? rows.length : Math.min(rows.length, 18);
    if (st.mode === "page") { el.style.height = (visible * 30 + 64) + "px"; }
    var labelWidth = Math.min(st.labelWidth, Math.round(el.clientWidth * 0.38));
    var nameLength = st.mode === "wall" ? 18 : (labelWidth > 180 ? 14 : 6);
    var labels = rows.map(function (r) { return r.number + " " + trunc(r.name, nameLength); });
    var bars = rows.map(function (r, i) {
      var s = ts(r.start);
      var e = r.due ? ts(r.due) : Math.max(yearEnd, s);
      return { value: [i, s, Math.max(s, e), r.rate || 0, r.due ? 0 : 1], row: r, href: r.href,
        itemStyle: { color: LIGHT[r.light] || C.blue } };
    });
    var marks = [];
    rows.forEach(function (r, i) {
      r.milestones.forEach(function (m) {
        marks.push({ value: [ts(m.due), i], ms: m, row: r, href: r.href,
          itemStyle: { color: m.done ? C.green : (m.late ? C.red : (st.dark ? "#cfe0f5" : "#52606d")),
            borderColor: st.dark ? "#fff" : "#1f2933", borderWidth: 1.5 } });
      });
    });
    var zoom = rows.length > visible;
    var o = base(st);
    o.grid = { left: labelWidth, right: zoom ? 34 : 16, top: st.mode === "wall" ? 40 : 28, bottom: 12 };
    o.tooltip = { trigger: "item", textStyle: { fontSize: st.font }, formatter: function (p) {
      var r = p.data.row;
      var head = "<b>" + esc(r.number + " " + r.name) + "</b><br>" + esc(r.unit) + "<br>";
      if (p.data.ms) {
        var m = p.data.ms;
        return head + esc(m.title) + ":" + ymd(m.due) + (m.done ? " ✓ " + ymd(m.done) : (m.late ? " · " + esc(d.labels.milestone_late) : ""));
      }
      return head + ymd(r.start) + " – " + (r.due ? ymd(r.due) : esc(d.labels.ongoing)) + "<br>" +
        esc(d.labels.completion) + " " + pct(r.rate) + " / " + esc(d.labels.planned) + " " + pct(r.planned);
    } };
    var day = 86400000;
    o.xAxis = { type: "time", position: "top", min: ts(g.start), max: ts(g.end) + 7 * day,
      axisLabel: { color: st.text, fontSize: st.small, hideOverlap: true,
        formatter: english ? { year: "{yyyy}", month: "{MMM}", day: "{d} {MMM}" }
          : { year: "{yyyy}年", month: "{M}月", day: "{M}月{d}日" } },
      axisLine: { lineStyle: { color: st.axis } }, splitLine: { show: true, lineStyle: { color: st.split } } };
    o.yAxis = { type: "category", data: labels, inverse: true, axisTick: { show: false },
      axisLine: { lineStyle: { color: st.axis } },
      axisLabel: { color: st.text, fontSize: st.font, width: labelWidth - 12, overflow: "truncate" } };
    if (zoom) {
      o.dataZoom = [{ type: "slider", yAxisIndex: 0, startValue: 0, endValue: visible - 1, width: 14, right: 8,
        top: o.grid.top, bottom: o.grid.bottom, showDetail: false, brushSelect: false, zoomLock: true }];
    }
    o.series = [
      { type: "custom", name: d.labels.items, renderItem: renderBar, encode: { x: [1, 2], y: 0 }, data: bars, clip: true },
      { type: "scatter", name: d.labels.milestone, symbol: "diamond", symbolSize: st.mode === "wall" ? 18 : 11, z: 5, data: marks,
        markLine: { silent: true, symbol: ["none", "none"], animation: false,
          lineStyle: { color: C.red, width: 2, type: "solid" },
          label: { formatter: d.is_live ? d.labels.today : md(g.today), color: C.red, fontSize: st.small, position: "start" },
          data: [{ xAxis: ts(g.today) }] } }
    ];
    return o;
  }

  function districtsChart(el, d, st) {
    var rows = d.districts;
    if (!rows.length) { return empty(st, d.labels.no_data); }
    function bars(name, color, pick) {
      return { name: name, type: "bar", barMaxWidth: 22, itemStyle: { color: color },
        label: { show: true, position: "top", fontSize: st.small, color: st.text },
        data: rows.map(function (r) { var f = pick(r); return { value: f.value, href: f.href }; }) };
    }
    function line(name, color, dashed, pick) {
      return { name: name, type: "line", yAxisIndex: 1, symbolSize: 7, itemStyle: { color: color },
        lineStyle: { color: color, type: dashed ? "dashed" : "solid", width: 2 }, data: rows.map(pick) };
    }
    var o = base(st);
    o.legend = { top: 0, textStyle: textStyle(st) };
    o.grid = { left: 8, right: 8, top: 40, bottom: 4, containLabel: true };
    o.tooltip = { trigger: "axis", textStyle: { fontSize: st.font }, formatter: axisTip };
    o.xAxis = { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: textStyle(st), axisLine: { lineStyle: { color: st.axis } } };
    o.yAxis = [
      { type: "value", minInterval: 1, axisLabel: textStyle(st, st.small), splitLine: { lineStyle: { color: st.split } } },
      { type: "value", min: 0, max: 100, axisLabel: { color: st.text, fontSize: st.small, formatter: "{value}%" }, splitLine: { show: false } }
    ];
    o.series = [
      bars(d.labels.items, "#6b8fbf", function (r) { return r.items; }),
      bars(d.labels.done, C.green, function (r) { return r.done; }),
      bars(d.labels.behind, C.orange, function (r) { return r.behind; }),
      bars(d.labels.red, C.red, function (r) { return r.red; }),
      line(d.labels.completion, C.blue, false, function (r) { return r.completion_rate; }),
      line(d.labels.planned, C.plan, true, function (r) { return r.planned_rate; })
    ];
    return o;
  }

  var BUILDERS = { status: statusChart, category: categoryChart, trend: trendChart, gantt: ganttChart, districts: districtsChart };

  function follow(p) {
    var href = p && p.data && p.data.href;
    if (href) { window.location.href = href; }
  }

  function draw(root, data) {
    if (!window.echarts || !data) { return; }
    var st = look(boardMode());
    $all("[data-chart]", root).forEach(function (el) {
      var build = BUILDERS[el.getAttribute("data-chart")];
      if (!build) { return; }
      el.hidden = false;
      var old = window.echarts.getInstanceByDom(el);
      if (old) { old.dispose(); }
      var option = build(el, data, st);
      var chart = window.echarts.init(el, st.dark ? "dark" : null, {
        renderer: "canvas", devicePixelRatio: st.mode === "print" ? 2 : undefined
      });
      chart.setOption(option);
      chart.on("click", follow);
    });
    charts = $all("[data-chart]").map(function (el) { return window.echarts.getInstanceByDom(el); })
      .filter(function (c) { return c; });
  }

  function resizeAll() { charts.forEach(function (c) { c.resize(); }); }

  // --- wall screen ---------------------------------------------------------------------

  // The wall shows the time where the programme is (the server's zone), whatever the
  // zone of the PC that drives the screen.
  function clockText(zone) {
    try {
      return new Intl.DateTimeFormat("zh-CN", { timeZone: zone || undefined, hour: "2-digit", minute: "2-digit", hour12: false }).format(new Date());
    } catch (e) {
      var d = new Date();
      return (d.getHours() < 10 ? "0" : "") + d.getHours() + ":" + (d.getMinutes() < 10 ? "0" : "") + d.getMinutes();
    }
  }

  function wall() {
    var body = document.body;
    var rotate = (parseInt(body.getAttribute("data-rotate"), 10) || 20) * 1000;
    var refresh = (parseInt(body.getAttribute("data-refresh"), 10) || 300) * 1000;
    var index = 0;
    var paused = false;
    var state = document.querySelector("[data-refresh-state]");

    function show(i) {
      var panels = $all(".wall-panel");
      if (!panels.length) { return; }
      index = (i + panels.length) % panels.length;
      panels.forEach(function (p, n) { p.classList.toggle("is-on", n === index); });
      $all("[data-dot]").forEach(function (dot, n) { dot.classList.toggle("is-on", n === index); });
      var chartEl = panels[index].querySelector("[data-chart]");
      var chart = chartEl && window.echarts && window.echarts.getInstanceByDom(chartEl);
      if (chart) { chart.resize(); }
    }

    function stamp(data) {
      var el = document.querySelector("[data-generated]");
      if (el && data && data.generated_at) { el.textContent = data.generated_at.slice(11, 16); }
    }

    function reload() {
      var failed = state ? state.getAttribute("data-failed") : "";
      window.fetch(window.location.href, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
        .then(function (r) {
          if (!r.ok || r.redirected) { throw new Error("HTTP " + r.status); }
          return r.text();
        })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("wall-body");
          var current = document.getElementById("wall-body");
          if (!fresh || !current) { throw new Error("no board"); }
          $all("[data-chart]", current).forEach(function (el) {
            var c = window.echarts.getInstanceByDom(el);
            if (c) { c.dispose(); }
          });
          current.innerHTML = fresh.innerHTML;
          var data = readData();
          draw(current, data);
          stamp(data);
          show(index);
          if (state) { state.textContent = ""; }
        })
        .catch(function () { if (state) { state.textContent = failed; } });
    }

    $all("[data-dot]").forEach(function (dot, n) { dot.addEventListener("click", function () { show(n); }); });
    document.addEventListener("keydown", function (e) {
      if (e.key === " ") { paused = !paused; body.classList.toggle("is-paused", paused); e.preventDefault(); }
      if (e.key === "ArrowRight") { show(index + 1); }
      if (e.key === "ArrowLeft") { show(index - 1); }
    });
    window.setInterval(function () { if (!paused) { show(index + 1); } }, rotate);
    window.setInterval(reload, refresh);
    var clock = document.querySelector("[data-clock]");
    var zone = body.getAttribute("data-tz");
    function tick() { if (clock) { clock.textContent = clockText(zone); } }
    tick();
    window.setInterval(tick, 10000);
    stamp(readData());
    show(0);
    return { show: show, reload: reload };
  }

  // --- print sheet: one PNG of the page --------------------------------------------------

  function loadImage(src) {
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = function () { resolve(img); };
      img.onerror = reject;
      img.src = src;
    });
  }

  function transparent(color) { return !color || color === "transparent" || /rgba\(.*,\s*0\)$/.test(color); }

  // Paints the sheet as the browser laid it out: boxes, borders, text runs and the charts'
  // own images (getDataURL), into one canvas at twice the CSS size.
  function sheetPng() {
    var sheet = document.getElementById("sheet");
    var box = sheet.getBoundingClientRect();
    var scale = 2;
    var canvas = document.createElement("canvas");
    canvas.width = Math.round(box.width * scale);
    canvas.height = Math.round(box.height * scale);
    var ctx = canvas.getContext("2d");
    ctx.scale(scale, scale);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, box.width, box.height);
    var chartEls = $all(".chart", sheet);
    $all("*", sheet).forEach(function (el) {
      if (chartEls.some(function (c) { return c.contains(el); })) { return; }
      var cs = window.getComputedStyle(el);
      if (cs.display === "none" || cs.visibility === "hidden") { return; }
      var r = el.getBoundingClientRect();
      var x = r.left - box.left;
      var y = r.top - box.top;
      var frame = el.closest(".sheet-box");
      var f = frame ? frame.getBoundingClientRect() : box;
      var clipX = Math.max(r.left, f.left) - box.left;
      var clipY = Math.max(r.top, f.top) - box.top;
      var clipW = Math.min(r.right, f.right) - box.left - clipX;
      var clipH = Math.min(r.bottom, f.bottom) - box.top - clipY;
      if (clipW <= 0 || clipH <= 0) { return; }
      if (!transparent(cs.backgroundColor)) {
        ctx.fillStyle = cs.backgroundColor;
        if (el.classList.contains("dot")) {
          ctx.beginPath();
          ctx.arc(x + r.width / 2, y + r.height / 2, r.width / 2, 0, Math.PI * 2);
          ctx.fill();
        } else {
          ctx.fillRect(x, y, r.width, r.height);
        }
      }
      [["Top", x, y, x + r.width, y], ["Bottom", x, y + r.height, x + r.width, y + r.height],
        ["Left", x, y, x, y + r.height], ["Right", x + r.width, y, x + r.width, y + r.height]].forEach(function (s) {
        var w = parseFloat(cs["border" + s[0] + "Width"]);
        if (w > 0 && cs["border" + s[0] + "Style"] !== "none") {
          ctx.strokeStyle = cs["border" + s[0] + "Color"];
          ctx.lineWidth = w;
          ctx.beginPath();
          ctx.moveTo(s[1], s[2]);
          ctx.lineTo(s[3], s[4]);
          ctx.stroke();
        }
      });
      Array.prototype.forEach.call(el.childNodes, function (node) {
        if (node.nodeType !== 3 || !node.textContent.trim()) { return; }
        var range = document.createRange();
        range.selectNodeContents(node);
        var t = range.getBoundingClientRect();
        ctx.save();
        ctx.beginPath();
        ctx.rect(clipX, clipY, clipW, clipH);
        ctx.clip();
        ctx.font = cs.fontWeight + " " + cs.fontSize + " " + cs.fontFamily;
        ctx.fillStyle = cs.color;
        ctx.textBaseline = "middle";
        ctx.fillText(node.textContent.replace(/\s+/g, " ").trim(), t.left - box.left, t.top - box.top + t.height / 2);
        ctx.restore();
      });
    });
    return Promise.all(chartEls.map(function (el) {
      var chart = window.echarts && window.echarts.getInstanceByDom(el);
      if (!chart) { return null; }
      var r = el.getBoundingClientRect();
      return loadImage(chart.getDataURL({ type: "png", pixelRatio: scale, backgroundColor: "#fff" })).then(function (img) {
        ctx.drawImage(img, r.left - box.left, r.top - box.top, r.width, r.height);
      });
    })).then(function () { return canvas.toDataURL("image/png"); });
  }

  function download(url, name) {
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  function printSheet() {
    var printButton = document.querySelector("[data-action=print]");
    var pngButton = document.querySelector("[data-action=png]");
    if (printButton) { printButton.addEventListener("click", function () { window.print(); }); }
    if (pngButton) {
      pngButton.addEventListener("click", function () {
        pngButton.disabled = true;
        sheetPng().then(function (url) {
          download(url, pngButton.getAttribute("data-filename") || "board.png");
        }).then(function () { pngButton.disabled = false; }, function () { pngButton.disabled = false; });
      });
    }
    window.addEventListener("beforeprint", resizeAll);
    window.addEventListener("afterprint", resizeAll);
  }

  function start() {
    var mode = boardMode();
    draw(document, readData());
    var timer = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(resizeAll, 150);
    });
    var api = { charts: function () { return charts; }, mode: mode };
    if (mode === "wall") { api.wall = wall(); }
    if (mode === "print") { printSheet(); api.png = sheetPng; }
    window.shishiBoard = api;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
