import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received, as the `stripe` package sent it. */
export type FakeStripeRequest = { method: string; path: string; idempotencyKey: string | undefined; params: URLSearchParams };

type Intent = {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  capture_method: string;
  status: string;
  metadata: Record<string, string>;
  last_payment_error: Record<string, unknown> | null;
};

export type FakeStripe = {
  /** `http://127.0.0.1:<port>`: give it to the gateway as STRIPE_API_BASE. */
  url: string;
  requests: FakeStripeRequest[];
  /** While true, every request is answered 500, as during an outage. */
  failing: boolean;
  /** The next `count` requests are answered 500, then it works again. */
  failNext(count: number): void;
  intent(id: string): Intent | undefined;
  close(): Promise<void>;
};

/** How Stripe's test payment methods behave (https://docs.stripe.com/testing), as far as this fake needs. */
const declines: Record<string, { code: string; decline_code?: string; message: string }> = {
  pm_card_chargeDeclined: { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' },
  pm_card_chargeDeclinedInsufficientFunds: { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
};

/**
 * A local stand-in for the Stripe API endpoints our stripe adapter uses, on loopback, driven by
 * the real `stripe` package (its host/port/protocol options). It keeps Stripe's idempotency
 * contract: a request repeated with the same Idempotency-Key gets the first answer again.
 */
export const startFakeStripe = async (): Promise<FakeStripe> => {
  const intents = new Map<string, Intent>();
  const replies = new Map<string, { status: number; body: unknown }>();
  const requests: FakeStripeRequest[] = [];
  let failNext = 0;

  const answer = (path: string, params: URLSearchParams): { status: number; body: unknown } => {
    const intentAction = /^\/v1\/payment_intents\/([^/]+)\/(confirm|capture|cancel)$/.exec(path);
    if (path === '/v1/payment_intents') {
      const metadata: Record<string, string> = {};
      for (const [name, value] of params) {
        const match = /^metadata\[(.+)\]$/.exec(name);
        if (match) metadata[match[1]!] = value;
      }
      const intent: Intent = {
        id: `pi_fake_${randomUUID().replace(/-/g, '')}`,
        object: 'payment_intent',
        amount: Number(params.get('amount')),
        amount_capturable: 0,
        amount_received: 0,
        currency: params.get('currency') ?? 'usd',
        capture_method: params.get('capture_method') ?? 'automatic',
        status: 'requires_payment_method',
        metadata,
        last_payment_error: null,
      };
      intents.set(intent.id, intent);
      return { status: 200, body: intent };
    }
    if (intentAction) {
      const intent = intents.get(intentAction[1]!);
      if (!intent) return { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such payment_intent: '${intentAction[1]}'` } } };
      const unexpected = () => ({
        status: 400,
        body: { error: { type: 'invalid_request_error', code: 'payment_intent_unexpected_state', message: `This PaymentIntent's status is ${intent.status}.`, payment_intent: intent } },
      });
      switch (intentAction[2]) {
        case 'confirm': {
          const method = params.get('payment_method') ?? '';
          const decline = declines[method];
          if (decline) {
            intent.status = 'requires_payment_method';
            intent.last_payment_error = { type: 'card_error', ...decline };
            return { status: 402, body: { error: { type: 'card_error', ...decline, payment_intent: intent } } };
          }
          if (method === 'pm_card_authenticationRequired') intent.status = 'requires_action';
          else if (intent.capture_method === 'manual') {
            intent.status = 'requires_capture';
            intent.amount_capturable = intent.amount;
          } else {
            intent.status = 'succeeded';
            intent.amount_received = intent.amount;
          }
          return { status: 200, body: intent };
        }
        case 'capture':
          if (intent.status !== 'requires_capture') return unexpected();
          intent.status = 'succeeded';
          intent.amount_received = intent.amount_capturable;
          intent.amount_capturable = 0;
          return { status: 200, body: intent };
        case 'cancel':
          if (intent.status === 'succeeded' || intent.status === 'canceled') return unexpected();
          intent.status = 'canceled';
          return { status: 200, body: intent };
      }
    }
    if (path === '/v1/refunds') {
      return { status: 200, body: { id: `re_fake_${randomUUID().replace(/-/g, '')}`, object: 'refund', amount: Number(params.get('amount')), payment_intent: params.get('payment_intent'), status: 'succeeded' } };
    }
    if (path === '/v1/payment_methods') {
      const token = params.get('card[token]') ?? '';
      return { status: 200, body: { id: `pm_fake_${token.replace(/^tok_/, '')}`, object: 'payment_method', type: 'card', card: { brand: 'visa', last4: '4242' } } };
    }
    return { status: 404, body: { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${path})` } } };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const path = (request.url ?? '/').split('?')[0]!;
    const idempotencyKey = request.headers['idempotency-key'] as string | undefined;
    requests.push({ method: request.method ?? 'GET', path, idempotencyKey, params });
    const send = ({ status, body }: { status: number; body: unknown }) => {
      response.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${randomUUID()}` });
      response.end(JSON.stringify(body));
    };
    if (fake.failing || failNext > 0) {
      failNext = Math.max(0, failNext - 1);
      return send({ status: 500, body: { error: { type: 'api_error', message: 'Something went wrong on Stripe’s end.' } } });
    }
    const replayed = idempotencyKey ? replies.get(idempotencyKey) : undefined;
    if (replayed) return send(replayed);
    const reply = answer(path, params);
    if (idempotencyKey) replies.set(idempotencyKey, reply);
    send(reply);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeStripe = {
    url: `http://127.0.0.1:${port}`,
    requests,
    failing: false,
    failNext(count) {
      failNext = count;
    },
    intent: (id) => intents.get(id),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
};
