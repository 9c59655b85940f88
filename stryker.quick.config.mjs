// A quicker Stryker run for a loaded machine: stryker.config.mjs without the StringLiteral mutator
// (error-message texts; the bad-input tests check those). Usage:
//   npx stryker run stryker.quick.config.mjs --mutate src/formulas.ts,src/pairing.ts
import base from './stryker.config.mjs';

export default { ...base, mutator: { excludedMutations: ['StringLiteral'] } };
