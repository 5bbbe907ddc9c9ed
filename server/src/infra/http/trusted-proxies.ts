import proxyAddr from '@fastify/proxy-addr';

/**
 * The reverse proxies (load balancers) in front of this server, from EVENTSHOP_TRUST_PROXY:
 * addresses or CIDR ranges, comma-separated, or the names `loopback`, `linklocal` and
 * `uniquelocal` (the private ranges). A request from one of them is taken to come from the
 * address its `X-Forwarded-For` names, so the sign-in and sign-up limits count each client, not
 * the proxy; from anywhere else that header is ignored, so no client can choose its own address.
 * Unset, no proxy is trusted.
 */
export type TrustedProxies = readonly string[];

export const parseTrustedProxies = (value: string | undefined, name = 'EVENTSHOP_TRUST_PROXY'): TrustedProxies | undefined => {
  if (value === undefined || value.trim() === '') return undefined;
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  try {
    proxyAddr.compile(entries);
  } catch (error) {
    throw new Error(
      `${name} must list your proxies' addresses or CIDR ranges, comma-separated, or loopback, linklocal or uniquelocal (got "${value}": ${(error as Error).message})`,
    );
  }
  return entries;
};

/** Whether a connection's peer is one of the trusted proxies. */
export const trustedProxyCheck = (trusted: TrustedProxies | undefined): ((address: string) => boolean) => {
  if (!trusted) return () => false;
  const trusts = proxyAddr.compile([...trusted]);
  return (address) => trusts(address, 0);
};
