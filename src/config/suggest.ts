/** Did-you-mean lives in src/util so the cloud layer (region checks) can use it too. */
export { didYouMean } from '../util/suggest.ts';
