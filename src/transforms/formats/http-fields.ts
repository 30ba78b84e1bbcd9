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
  if (request === undefined || request === '-' || request.startsWith('- - -')) {
    return { verb: undefined, url: undefined, protocol: undefined };
  }
  const first = request.indexOf(' ');
  if (first < 0) return { verb: undefined, url: request, protocol: undefined };
  const last = request.lastIndexOf(' ');
  if (last === first) return { verb: request.slice(0, first), url: request.slice(first + 1), protocol: undefined };
  return { verb: request.slice(0, first), url: request.slice(first + 1, last), protocol: request.slice(last + 1) };
}
