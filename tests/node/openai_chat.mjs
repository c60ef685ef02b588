// The official OpenAI client (npm `openai`, pinned in package-lock.json) against `lingbi serve`:
// a chat with a picture as a data URL, the same question without it, and a streamed chat.
//   node openai_chat.mjs BASE_URL API_KEY MODEL
// Prints one JSON line with what came back; exits 1 with a message on the first failure.
import OpenAI from 'openai';
import zlib from 'node:zlib';

const [baseURL, apiKey, model] = process.argv.slice(2);
if (!baseURL || !apiKey || !model) {
  console.error('usage: node openai_chat.mjs BASE_URL API_KEY MODEL');
  process.exit(2);
}

function fail(message) {
  console.error(`openai_chat: ${message}`);
  process.exit(1);
}

// A real PNG: w x h RGB pixels, a colour gradient, built with zlib (no image library needed).
function png(w, h) {
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8);  // 8 bits, RGB, deflate, no filter, no interlace
  const rows = Buffer.alloc(h * (1 + 3 * w));
  for (let y = 0; y < h; ++y)
    for (let x = 0; x < w; ++x) rows.set([(x * 255) / w, (y * 255) / h, 90], y * (1 + 3 * w) + 1 + 3 * x);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

const client = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey, maxRetries: 0, timeout: 300_000 });
const out = {};
try {
  const models = await client.models.list();
  out.models = models.data.map((m) => m.id);
  if (!out.models.includes(model)) fail(`GET /v1/models lists ${JSON.stringify(out.models)}, not ${model}`);

  const question = 'What is in this picture?';
  const image = `data:image/png;base64,${png(40, 30).toString('base64')}`;
  const ask = (content) =>
    client.chat.completions.create({ model, messages: [{ role: 'user', content }], max_tokens: 8, seed: 3 });
  const pictured = await ask([
    { type: 'text', text: question },
    { type: 'image_url', image_url: { url: image } },
  ]);
  const plain = await ask(question);
  for (const [name, c] of [['image', pictured], ['text', plain]]) {
    if (c.object !== 'chat.completion') fail(`${name} chat: object is ${c.object}`);
    const choice = c.choices[0];
    if (choice.message.role !== 'assistant') fail(`${name} chat: role ${choice.message.role}`);
    if (!['stop', 'length'].includes(choice.finish_reason)) fail(`${name} chat: finish_reason ${choice.finish_reason}`);
    if (c.usage.total_tokens !== c.usage.prompt_tokens + c.usage.completion_tokens)
      fail(`${name} chat: usage does not add up: ${JSON.stringify(c.usage)}`);
    out[name] = {
      content: choice.message.content,
      finish_reason: choice.finish_reason,
      prompt_tokens: c.usage.prompt_tokens,
      completion_tokens: c.usage.completion_tokens,
    };
  }

  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: 'system', content: 'You are brief.' }, { role: 'user', content: 'Tell me about the sea.' }],
    max_tokens: 16,
    seed: 4,
    stream: true,
    stream_options: { include_usage: true },
  });
  let chunks = 0, content = '', role = '', finish = null, usage = null;
  for await (const chunk of stream) {
    ++chunks;
    if (chunk.object !== 'chat.completion.chunk') fail(`stream: chunk object is ${chunk.object}`);
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.delta.role) role = choice.delta.role;
    if (choice.delta.content) content += choice.delta.content;
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  if (role !== 'assistant') fail(`stream: no chunk gave the role assistant`);
  if (!finish) fail('stream: no chunk had a finish_reason');
  if (!usage) fail('stream: no usage chunk although stream_options.include_usage was set');
  out.stream = { chunks, content, finish_reason: finish, completion_tokens: usage.completion_tokens };

  try {
    await new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: `${apiKey}-wrong`, maxRetries: 0 }).models.list();
    fail('a wrong API key was accepted');
  } catch (e) {
    if (!(e instanceof OpenAI.AuthenticationError)) throw e;
    out.wrong_key_status = e.status;
  }
} catch (e) {
  fail(`${e.constructor.name}: ${e.message}`);
}
console.log(JSON.stringify(out));
