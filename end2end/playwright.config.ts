import { defineConfig, devices } from '@playwright/test';
import { identityProvider, servers } from './tests/support/servers';
import { launchOptions } from './tests/support/browser';

// Whole journeys in Debian's Chromium against the real server (debug build) serving the
// release build of the app. `scripts/e2e` builds both, then runs this with CHROMIUM naming the
// browser it found.
const chromium = {
  ...devices['Desktop Chrome'],
  launchOptions,
};

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 2,
  forbidOnly: true,
  retries: 0,
  reporter: [['list']],
  use: { trace: 'retain-on-failure' },
  projects: [
    { name: 'journeys', use: { ...chromium, baseURL: servers.main.url }, testIgnore: /screenshots/ },
    { name: 'screenshots', use: { ...chromium, baseURL: servers.main.url }, testMatch: /screenshots\.spec\.ts/ },
  ],
  webServer: [
    ...Object.values(servers).map((server) => ({
      command: `${server.binary} serve`,
      url: `${server.url}/`,
      env: server.env,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'ignore' as const,
      stderr: 'pipe' as const,
    })),
    {
      command: identityProvider.command,
      url: `${identityProvider.issuer}/.well-known/openid-configuration`,
      env: identityProvider.env,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'ignore' as const,
      stderr: 'ignore' as const,
    },
  ],
});
