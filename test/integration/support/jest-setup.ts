// Per-file setup for the integration project: real components are slower than a unit test's 5 s.
// (`testTimeout` in a jest project config is ignored; it is only a global option.)
import { jest } from '@jest/globals';

jest.setTimeout(120_000);
