#include "Prelude.h"

namespace azstack::host {

const char* const kPrelude = R"JS(
(function (g) {
  'use strict';
  var print = g.__hostPrint;
  delete g.__hostPrint;

  function inspect(value, depth, seen) {
    switch (typeof value) {
      case 'string':
        return depth === 0 ? value : JSON.stringify(value);
      case 'number':
        return Object.is(value, -0) ? '-0' : String(value);
      case 'boolean':
      case 'undefined':
        return String(value);
      case 'bigint':
        return value + 'n';
      case 'symbol':
        return value.toString();
      case 'function':
        return '[Function' + (value.name ? ': ' + value.name : ' (anonymous)') + ']';
    }
    if (value === null) return 'null';
    if (value instanceof Error) {
      var head = String(value);
      return value.stack ? head + '\n' + String(value.stack).replace(/^/gm, '    ') : head;
    }
    if (seen.indexOf(value) >= 0) return '[Circular]';
    if (depth > 4) return Array.isArray(value) ? '[Array]' : '[Object]';
    seen = seen.concat([value]);
    if (Array.isArray(value)) {
      return '[' + value.map(function (v) { return inspect(v, depth + 1, seen); }).join(', ') + ']';
    }
    if (value instanceof Map) {
      var entries = [];
      value.forEach(function (v, k) { entries.push(inspect(k, depth + 1, seen) + ' => ' + inspect(v, depth + 1, seen)); });
      return 'Map(' + value.size + ') {' + entries.join(', ') + '}';
    }
    if (value instanceof Set) {
      var items = [];
      value.forEach(function (v) { items.push(inspect(v, depth + 1, seen)); });
      return 'Set(' + value.size + ') {' + items.join(', ') + '}';
    }
    if (typeof Promise !== 'undefined' && value instanceof Promise) return 'Promise {}';
    var proto = Object.getPrototypeOf(value);
    var name = proto && proto.constructor && proto.constructor.name;
    var body = Object.keys(value).map(function (k) {
      var key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k);
      return key + ': ' + inspect(value[k], depth + 1, seen);
    });
    var prefix = name && name !== 'Object' ? name + ' ' : '';
    return prefix + (body.length ? '{ ' + body.join(', ') + ' }' : '{}');
  }

  function format(args) {
    var parts = [];
    for (var i = 0; i < args.length; i++) parts.push(inspect(args[i], 0, []));
    return parts.join(' ');
  }

  function out() { print(1, format(arguments)); }
  function err() { print(2, format(arguments)); }
  g.console = {
    log: out,
    info: out,
    debug: out,
    warn: err,
    error: err,
    trace: function () { print(2, 'Trace: ' + format(arguments) + '\n' + new Error().stack); },
    assert: function (condition) {
      if (!condition) print(2, 'Assertion failed' + (arguments.length > 1 ? ': ' + format([].slice.call(arguments, 1)) : ''));
    },
  };

  if (typeof g.queueMicrotask !== 'function') {
    g.queueMicrotask = function (callback) {
      if (typeof callback !== 'function') throw new TypeError('queueMicrotask: the callback must be a function');
      Promise.resolve().then(callback);
    };
  }
  g.setImmediate = function (callback) {
    return g.setTimeout.apply(g, [callback, 0].concat([].slice.call(arguments, 1)));
  };
  g.clearImmediate = function (id) { g.clearTimeout(id); };
})(globalThis);
)JS";

}  // namespace azstack::host
