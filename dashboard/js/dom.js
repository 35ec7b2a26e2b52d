// Small DOM helpers. Data from the collector (log lines, host names, labels) is only ever set
// as text, never parsed as HTML.

// h('div.card', {onclick: f, title: 'x'}, child, 'text', [more children])
export function h(spec, attrs, ...children) {
  const tag = spec.match(/^[a-z][a-z0-9]*/i);
  const id = spec.match(/#([\w-]+)/);
  const classes = [...spec.matchAll(/\.([\w-]+)/g)].map((m) => m[1]);
  const el = document.createElement(tag ? tag[0] : 'div');
  if (id) el.id = id[1];
  if (classes.length) el.className = classes.join(' ');
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2).toLowerCase(), value);
      } else if (key === 'dataset') {
        Object.assign(el.dataset, value);
      } else if (key === 'class') {
        el.className += (el.className ? ' ' : '') + value;
      } else if (key in el && typeof value !== 'string') {
        el[key] = value;
      } else {
        el.setAttribute(key, value === true ? '' : value);
      }
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// Replaces el's children.
export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}
