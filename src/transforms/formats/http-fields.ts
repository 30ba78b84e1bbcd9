/** Field splitting shared by the load balancer and S3 formats. */

/**
 * `ip:port` split at the last colon (IPv6 addresses contain colons). `-` (no target) gives
 * `['-', undefined]`; a value without a colon is all address.
 */
export function splitHostPort(value: string | undefined): [string | undefined, string | undefined] {
  if (value === undefined || value === '-') return [value, undefined];
  const colon = value.lastIndexOf(':');
  if (colon < 0) return [value, undefined];
  let host = value.slice(0, colon);
  if (host.charCodeAt(0) === 91 /* [ */ && host.charCodeAt(host.length - 1) === 93) host = host.slice(1, -1);
  return [host, value.slice(colon + 1)];
}

/** The address part of `ip:port` as `splitHostPort` splits it, without allocating the pair. */
export function hostOf(value: string | undefined): string | undefined {
  if (value === undefined || value === '-') return value;
  const colon = value.lastIndexOf(':');
  if (colon < 0) return value;
  if (value.charCodeAt(0) === 91 /* [ */ && value.charCodeAt(colon - 1) === 93 /* ] */) return value.slice(1, colon - 1);
  return value.slice(0, colon);
}

/** The port part of `ip:port` as `splitHostPort` splits it. */
export function portOf(value: string | undefined): string | undefined {
  if (value === undefined || value === '-') return undefined;
  const colon = value.lastIndexOf(':');
  return colon < 0 ? undefined : value.slice(colon + 1);
}

export interface RequestLine {
  verb: string | undefined;
  url: string | undefined;
  protocol: string | undefined;
}

/**
 * `"GET https://host:443/path with spaces?q HTTP/1.1"`: the verb ends at the first space and the
 * protocol starts at the last, so URLs containing spaces stay whole. TCP/SSL listeners log
 * `- - - ` (all null). A request without spaces is all URL.
 */
export function splitRequest(request: string | undefined): RequestLine {
  return splitRequestInto(request, { verb: undefined, url: undefined, protocol: undefined });
}

/** `splitRequest` into an object the caller reuses from line to line. */
export function splitRequestInto(request: string | undefined, out: RequestLine): RequestLine {
  out.verb = out.url = out.protocol = undefined;
  if (request === undefined || request === '-' || request.startsWith('- - -')) return out;
  const first = request.indexOf(' ');
  if (first < 0) {
    out.url = request;
    return out;
  }
  const last = request.lastIndexOf(' ');
  out.verb = request.slice(0, first);
  if (last === first) {
    out.url = request.slice(first + 1);
  } else {
    out.url = request.slice(first + 1, last);
    out.protocol = request.slice(last + 1);
  }
  return out;
}
