// The live page (services/reporter/live): asks the reporter's JSON and draws it, again every
// `every` seconds. No framework, no CDN. Every text from the data is set with textContent
// (post texts come from the platforms). Figures arrive formatted by the server, as the PDF
// report writes them; only the chart's axis is numbered here (with the same separators).
(() => {
  "use strict";
  const config = JSON.parse(document.getElementById("config").textContent);
  const words = config.words;
  const rtl = document.documentElement.dir === "rtl";
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const SVG = "http://www.w3.org/2000/svg";

  function w(key, values) {
    let text = words[key] || key;
    for (const [name, value] of Object.entries(values || {})) text = text.split(`{${name}}`).join(value);
    return text;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null) node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    return node;
  }

  // 314,000 (en, ar) · 314 000 (fr, narrow no-break space): as services/reporter/pdf/words.py.
  function grouped(n) {
    const text = String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return config.lang === "fr" ? text.split(",").join("\u202f") : text;
  }

  async function getJSON(path, query) {
    const url = new URL(path, location.origin);
    for (const [name, value] of Object.entries(query || {})) if (value) url.searchParams.set(name, value);
    const response = await fetch(url, { headers, cache: "no-store" });
    const body = await response.json().catch(() => ({}));
    if (response.status === 401) throw new Error(w("page.need_token"));
    if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
    return body;
  }

  function panel(title, ...children) {
    return el("section", { class: "panel" }, el("h2", {}, title), ...children);
  }

  function cards(headline) {
    return el(
      "div",
      { class: "cards" },
      ...headline.map((card) =>
        el(
          "div",
          { class: "card", "data-card": card.key },
          el("div", { class: "label" }, card.label),
          el("div", { class: "value", "data-figure": card.key }, card.text),
          el("div", { class: "note" }, card.note ? w("page.rate_covers", { platforms: card.note }) : ""),
        ),
      ),
    );
  }

  function windowPanel(window) {
    const title = w("page.window", { from: window.from, to: window.to, before: window.before_from });
    const blocks = window.metrics.map((m) => {
      const trend = m.latest > m.before ? "up" : m.latest < m.before ? "down" : "";
      return el(
        "div",
        { "data-window": m.metric },
        el("div", { class: "label" }, m.label),
        el("span", { class: "now", "data-now": m.metric }, m.latest_text),
        " ",
        el("span", { class: `change ${trend}` }, m.change_text),
        el("div", { class: "before" }, w("page.before", { n: m.before_text })),
      );
    });
    return panel(title, el("div", { class: "window" }, ...blocks));
  }

  function chart(minutes) {
    const width = 1000, height = 440, left = 56, right = 12, top = 12, bottom = 28;
    // direction ltr: text-anchor then means the same on both pages; the mirroring is done by x()
    const box = svg("svg", {
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-label": w("page.per_minute"),
      direction: "ltr",
    });
    const count = minutes.labels.length;
    const peak = Math.max(1, ...minutes.platforms.flatMap((p) => p.values));
    const x = (i) => {
      const along = left + ((width - left - right) * i) / Math.max(1, count - 1);
      return rtl ? width - along : along;
    };
    const y = (v) => top + (height - top - bottom) * (1 - v / peak);
    for (const share of [0, 0.5, 1]) {
      const value = peak * share;
      box.append(svg("line", { class: "axis", x1: x(0), x2: x(count - 1), y1: y(value), y2: y(value) }));
      const label = svg("text", { x: rtl ? width - 4 : 4, y: y(value) + 4, "text-anchor": "start" });
      if (rtl) label.setAttribute("text-anchor", "end");
      label.textContent = grouped(value);
      box.append(label);
    }
    minutes.labels.forEach((text, i) => {
      if (i % 15 !== 0 && i !== count - 1) return;
      // the last minute's label ends at the chart's edge rather than past it
      const edge = i === count - 1 ? (rtl ? "start" : "end") : "middle";
      const label = svg("text", { x: x(i), y: height - 6, "text-anchor": edge });
      label.textContent = text;
      box.append(label);
    });
    for (const line of minutes.platforms) {
      const points = line.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
      box.append(
        svg("polyline", {
          points,
          fill: "none",
          stroke: line.colour,
          "stroke-width": 3,
          "stroke-linejoin": "round",
          "data-platform": line.platform,
        }),
      );
    }
    const legend = el(
      "div",
      { class: "legend" },
      ...minutes.platforms.map((line) =>
        el("span", {}, el("span", { class: "swatch", style: `background:${line.colour}` }), line.label),
      ),
    );
    const empty = minutes.platforms.length ? null : el("p", { class: "empty" }, w("page.quiet"));
    return el("section", { class: "panel chart" }, el("h2", {}, w("page.per_minute")), box, legend, empty);
  }

  function list(className, items, empty, row) {
    if (!items.length) return el("p", { class: "empty" }, empty);
    return el("ol", { class: className }, ...items.map(row));
  }

  function posts(items) {
    return panel(
      w("page.top_posts"),
      list("posts", items, w("page.no_posts"), (post) =>
        el(
          "li",
          {},
          el("span", { class: "swatch", style: `background:${post.colour}`, title: post.label }),
          el("span", { class: "text", dir: "auto" }, post.text || post.url || post.label),
          el("span", { class: "count", "data-post": post.url }, post.engagements_text),
        ),
      ),
    );
  }

  function spikes(items) {
    return panel(
      w("page.spikes"),
      list("spikes", items, w("page.no_spikes"), (spike) =>
        el(
          "li",
          {},
          el("span", { class: "what", dir: "auto" }, spike.what),
          el("span", { class: "count" }, spike.latest_text),
          el("span", { class: "ratio" }, spike.ratio_text),
        ),
      ),
    );
  }

  function pollers(items) {
    return panel(
      w("page.collection"),
      list("pollers", items, w("page.no_pollers"), (p) =>
        el(
          "li",
          { "data-connector": p.connector },
          el(
            "span",
            { class: "what" },
            p.label,
            p.detail ? el("span", { class: "detail", dir: "auto" }, p.detail) : null,
            el(
              "span",
              { class: "detail" },
              w("page.last_success", { time: p.last_success || "—" }) +
                " · " +
                w("page.records_hour", { n: grouped(p.records_last_hour) }),
            ),
          ),
          el("span", { class: `state ${p.state}`, "data-state": p.state }, p.state_text),
        ),
      ),
    );
  }

  function drawEvent(live) {
    document.getElementById("title").textContent = live.name;
    document.title = `${live.name} · sada`;
    document.getElementById("updated").textContent = w("page.updated", { time: live.updated, zone: live.timezone });
    document.getElementById("about").textContent = w("page.about", { every: config.every });
    const main = document.getElementById("main");
    main.replaceChildren(
      cards(live.headline),
      el(
        "div",
        { class: "grid" },
        el("div", { class: "column" }, windowPanel(live.window), chart(live.minutes)),
        el("div", { class: "column" }, posts(live.top_posts), spikes(live.spikes), pollers(live.pollers)),
      ),
    );
  }

  async function drawList() {
    const { events } = await getJSON("/v1/events");
    const named = await Promise.all(
      events.map((slug) => getJSON(`/v1/events/${slug}`, { lang: config.lang }).then((e) => [slug, e.name])),
    );
    document.getElementById("title").textContent = w("page.events");
    const link = (slug) => `/live/${slug}?lang=${config.lang}${location.hash}`;
    document
      .getElementById("main")
      .replaceChildren(
        panel(
          w("page.events"),
          list("events", named, w("page.no_events"), ([slug, name]) =>
            el("li", {}, el("a", { href: link(slug), "data-event": slug }, name)),
          ),
        ),
      );
  }

  async function refresh() {
    const problem = document.getElementById("problem");
    try {
      if (config.view === "list") {
        await drawList();
      } else {
        drawEvent(await getJSON(`/v1/events/${config.event}/live`, { lang: config.lang, at: config.at }));
      }
      problem.textContent = "";
      document.body.dataset.state = "ready";
    } catch (failure) {
      problem.textContent = w("page.problem", { error: failure.message });
      document.body.dataset.state = "error";
    } finally {
      document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes) + 1);
      setTimeout(refresh, config.every * 1000);
    }
  }

  refresh();
})();
