import { test, expect, Page } from '@playwright/test';
import { servers } from './support/servers';
import { signIn } from './support/app';
import { staffAccount } from './support/staff';

// The staff console is a bundle of its own (dist/console/), which the server sends for /console
// and the paths under it: the app's first load does not carry it, and a move between the two
// is a page load that keeps the session.
const server = servers.main;
const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

/** The path of every request the page makes from now on. */
function requested(page: Page): string[] {
  const paths: string[] = [];
  page.on('request', (request) => paths.push(new URL(request.url()).pathname));
  return paths;
}

const wasm = (paths: string[]) => paths.filter((path) => path.endsWith('.wasm'));
const stylesheets = (paths: string[]) => [...new Set(paths.filter((path) => path.endsWith('.css')))];

test("the app's first load leaves the console out; staff go to the console and back, signed in all along", async ({
  page,
}) => {
  const staff = staffAccount(server, 'bundles');
  const paths = requested(page);

  await page.goto('/login');
  await signIn(page, staff.username, staff.password);
  const console = page.getByRole('link', { name: 'Staff console' });
  await expect(console).toBeVisible();
  expect(wasm(paths)).toEqual([expect.stringMatching(/^\/gatehouse-app-[0-9a-f]+_bg\.wasm$/)]);
  expect(paths.filter((path) => path.startsWith('/console'))).toEqual([]);

  await test.step('the header link loads the console, whose page confirms the session', async () => {
    await console.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { level: 1, name: 'Staff console' })).toBeVisible();
    await expect(page).toHaveURL(/\/console$/);
    await expect(page.getByTestId('signed-in-as')).toContainText(staff.username);
    expect(wasm(paths)).toContainEqual(expect.stringMatching(/^\/console\/gatehouse-console-[0-9a-f]+_bg\.wasm$/));
    await expect(page).toHaveTitle('Staff console · Gatehouse');
    // The console's page links the app's stylesheet, which the browser already holds.
    expect(stylesheets(paths)).toEqual([expect.stringMatching(/^\/main-[0-9a-f]+\.css$/)]);
    const font = await page.locator('body').evaluate((body) => getComputedStyle(body).fontFamily);
    expect(font).toMatch(/^system-ui/);
  });

  await test.step("the header's Profile link leads back to the app, and Back to the console", async () => {
    await page.getByRole('link', { name: 'Profile', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Your profile' })).toBeVisible();
    await expect(page).toHaveURL(/\/profile$/);
    await expect(page.getByTestId('signed-in-as')).toContainText(staff.username);
    await page.goBack();
    await expect(page.getByRole('heading', { level: 1, name: 'Staff console' })).toBeVisible();
    await expect(page).toHaveURL(/\/console$/);
  });
});

test('a signed-out visitor of a console page signs in on the app and comes back to it; signing out there ends on the sign-in page', async ({
  page,
}) => {
  const staff = staffAccount(server, 'consolenext');
  await page.goto('/console/audit?event=user.registered');
  await expect(page).toHaveURL(/\/login\?next=\/console\/audit%3Fevent%3Duser\.registered$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();

  await field(page, 'Username').fill(staff.username);
  await field(page, 'Password').fill(staff.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit trail' })).toBeVisible();
  await expect(page).toHaveURL(/\/console\/audit\?event=user\.registered$/);
  await expect(field(page, 'Event')).toHaveValue('user.registered');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login\?/);
  await expect(page.getByText('You are signed out.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  expect(await page.evaluate(() => localStorage.getItem('gatehouse.session'))).toBeNull();
});
