// Binary frames (protocol v5; docs/protocol.md "Binary frames", server/frames.py): a uint32
// little-endian header length N, N bytes of UTF-8 JSON (the frame's fields and an `arrays`
// table of {name, dtype, shape, offset}), then the arrays. The decoder knows no field names:
// it puts a typed-array VIEW of the message's buffer (no copy) at each table entry's path
// ("heatmap.d" → frame.heatmap.d), so the frame has the shape JSON frames had, with flat
// typed arrays in place of lists and NaN where JSON had null.

const TYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
};

// Typed arrays read in the machine's byte order; every browser's is little-endian, but a
// big-endian one would get copies read through a DataView rather than wrong numbers.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextDecoder();

/** The JSON header alone (type, status, iteration, scalars, the array table). */
export function readHeader(buffer) {
  const n = new DataView(buffer).getUint32(0, true);
  if (4 + n > buffer.byteLength) throw new Error(`binary frame: header of ${n} bytes in ${buffer.byteLength}`);
  return JSON.parse(utf8.decode(new Uint8Array(buffer, 4, n)));
}

/** A binary frame (an ArrayBuffer) as an object: the header with each array at its path. */
export function decodeFrame(buffer) {
  const frame = readHeader(buffer);
  for (const { name, dtype, shape, offset } of frame.arrays || []) {
    const Type = TYPES[dtype];
    if (!Type) throw new Error(`binary frame: unknown dtype ${dtype} for ${name}`);
    const length = shape.reduce((a, b) => a * b, 1);
    const view = LITTLE_ENDIAN ? new Type(buffer, offset, length) : swapped(buffer, Type, offset, length);
    const path = name.split(".");
    let node = frame;
    for (const key of path.slice(0, -1)) {
      if (node[key] == null || typeof node[key] !== "object") node[key] = {};
      node = node[key];
    }
    node[path[path.length - 1]] = view;
  }
  return frame;
}

function swapped(buffer, Type, offset, length) {
  const dv = new DataView(buffer, offset, length * Type.BYTES_PER_ELEMENT);
  const get = `get${Type.name.replace("Array", "")}`;
  return Type.from({ length }, (_, i) => dv[get](i * Type.BYTES_PER_ELEMENT, true));
}

/** A value in a frame's array that is there: not NaN (binary frames) nor null (the tour's
 * JSON panels), nor infinite. */
export function has(v) {
  return v != null && Number.isFinite(v);
}

/** `fn` over an array or typed array into a plain Array (a typed array's own map would keep
 * its type and turn null into 0). */
export function mapValues(arr, fn) {
  return Array.from(arr || [], fn);
}
