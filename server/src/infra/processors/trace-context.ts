import type { StoredLogEvent } from '../log/log-reader.js';
import type { SpanAttributes, SpanOptions } from '../tracing/tracing.js';

/** Links on one batch's span, at most: a batch can hold hundreds of events from as many requests. */
const MAX_LINKS = 64;

/**
 * How a processor batch's span joins the traces of the commands that appended its events (their
 * `traceparent` metadata). Linked to each of them; and when they all came from one trace (a
 * checkout whose events a reactor handles), a child of it as well, so that trace reads on
 * through the processor in any trace viewer, across processes.
 */
export const batchSpanOptions = (processor: string, events: readonly StoredLogEvent[]): { attributes: SpanAttributes; options: SpanOptions } => {
  const traceparents = new Set<string>();
  const correlations = new Set<string>();
  for (const event of events) {
    const { traceparent, correlationId } = event.metadata;
    if (typeof traceparent === 'string' && traceparents.size < MAX_LINKS) traceparents.add(traceparent);
    if (typeof correlationId === 'string' && correlations.size < MAX_LINKS) correlations.add(correlationId);
  }
  const links = [...traceparents];
  const traces = new Set(links.map((traceparent) => traceparent.split('-')[1]));
  return {
    attributes: {
      'eventshop.processor': processor,
      'eventshop.events': events.length,
      'eventshop.first_position': events[0]?.position,
      'eventshop.last_position': events[events.length - 1]?.position,
      'eventshop.event_types': [...new Set(events.map((event) => event.type))],
      'eventshop.correlation_ids': [...correlations],
    },
    options: { kind: 'consumer', links, parent: traces.size === 1 ? links[0] : null },
  };
};
