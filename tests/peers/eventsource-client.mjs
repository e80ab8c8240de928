// Reads `count` events from `url` with the npm `eventsource` package (the
// WHATWG EventSource for Node) and prints each as a JSON line.
import { EventSource } from 'eventsource';

const [url, count] = process.argv.slice(2);
const want = Number(count);
const source = new EventSource(url);
let seen = 0;
const timer = setTimeout(() => {
  console.error(`timed out after ${seen} of ${want} events`);
  process.exit(1);
}, 20000);
const print = (event) => {
  console.log(JSON.stringify({ type: event.type, data: event.data, id: event.lastEventId }));
  if (++seen === want) {
    clearTimeout(timer);
    source.close();
    process.exit(0);
  }
};
source.addEventListener('message', print);
source.addEventListener('tick', print);
