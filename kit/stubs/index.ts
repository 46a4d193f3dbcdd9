export { stubFromSolution, type StubResult } from './generate.ts';
export { findDrift, planStubs, writeStubs, type Drift, type PlannedStub } from './tree.ts';
