export { TokenCodec } from './token.js'
export { assertNotFromFuture, type LsnSource } from './verify.js'
export { TOKEN_HEADER, READ_CONSISTENCY_HEADER, parseReadConsistency, tokenHeader, type ReadConsistency } from './headers.js'
