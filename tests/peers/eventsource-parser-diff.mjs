// Differential peer: parses event streams with the npm `eventsource-parser`
// package, the way the `eventsource` package feeds it (TextDecoder in
// streaming mode, one feed per chunk). Input: one JSON array of hex chunks
// per line on stdin. Output: one JSON object per line:
// {events: [{type, data, id}], retry}.
import {createParser} from 'eventsource-parser'
import {createInterface} from 'node:readline'

const lines = createInterface({input: process.stdin, crlfDelay: Infinity})
for await (const line of lines) {
  if (line.trim() === '') continue
  const chunks = JSON.parse(line)
  const events = []
  let retry = null
  const parser = createParser({
    onEvent(event) {
      events.push({type: event.event ?? 'message', data: event.data, id: event.id ?? null})
    },
    onRetry(ms) {
      retry = ms
    },
  })
  const decoder = new TextDecoder()
  for (const hex of chunks) {
    const text = decoder.decode(Buffer.from(hex, 'hex'), {stream: true})
    if (text !== '') parser.feed(text)
  }
  const tail = decoder.decode()
  if (tail !== '') parser.feed(tail)
  process.stdout.write(JSON.stringify({events, retry}) + '\n')
}
