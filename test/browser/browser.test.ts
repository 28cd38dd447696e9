/**
 * The browser end-to-end tests, one suite after the other in one test file: each suite runs its own
 * sandbox and Chromium, and one Chromium at a time is what the 2-core machine (and the timing of the
 * crash tests running beside them) affords. Without /usr/bin/chromium the suites are skipped
 * locally and fail in CI (see helpers.ts).
 */
import { requireChromium } from './helpers.js';
import './flow.suite.js';
import './session.suite.js';
import './findings.suite.js';
import './settings.suite.js';
import './timelines.suite.js';

requireChromium();
