/** ali-oss ships no types; sindri describes the few methods it calls in oss-client.ts. */
declare module 'ali-oss' {
  const OSS: unknown;
  export default OSS;
}
