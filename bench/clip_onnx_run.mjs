// Runs an ONNX image tower with onnxruntime-node for bench/clip_onnx_baseline.py: one warm-up run
// whose output is written to --output (raw float32, for the quality check), then timed runs on the
// same input for --seconds. Prints {"images_per_s": N} on stdout.
//   node bench/clip_onnx_run.mjs --ort=DIR --model=FILE --input=FILE --output=FILE --batch=16
//        --size=224 --threads=2 --seconds=3
// DIR holds node_modules/onnxruntime-node (the baseline script installs it there).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const eq = a.indexOf('=');
  return [a.slice(2, eq), a.slice(eq + 1)];
}));
for (const k of ['ort', 'model', 'input', 'output', 'batch', 'size', 'threads', 'seconds']) {
  if (!(k in args)) throw new Error(`clip_onnx_run.mjs: --${k}=... is missing`);
}
const ort = createRequire(path.join(path.resolve(args.ort), 'package.json'))('onnxruntime-node');
const session = await ort.InferenceSession.create(args.model, {
  intraOpNumThreads: Number(args.threads),
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const batch = Number(args.batch), size = Number(args.size);
const buf = fs.readFileSync(args.input);  // a Buffer may sit inside a shared pool: view its own bytes
const pixels = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
if (pixels.length !== batch * 3 * size * size) throw new Error(`${args.input} does not hold ${batch} images of ${size} px`);
const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', pixels, [batch, 3, size, size]) };

const first = (await session.run(feeds))[session.outputNames[0]].data;
fs.writeFileSync(args.output, Buffer.from(first.buffer, first.byteOffset, first.byteLength));

const seconds = Number(args.seconds);
const start = process.hrtime.bigint();
let runs = 0, elapsed = 0;
while (elapsed < seconds || runs < 2) {
  await session.run(feeds);
  runs += 1;
  elapsed = Number(process.hrtime.bigint() - start) / 1e9;
}
console.log(JSON.stringify({ images_per_s: (runs * batch) / elapsed }));
