import { test, expect, Browser, Page } from '@playwright/test';
import { servers } from './support/servers';
import {
  activeAccount,
  apiSession,
  Person,
  sessionsOf,
  sharedState,
  signIn,
  watchAccessTokens,
} from './support/app';

const server = servers.main;

const CHROME_ON_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const FIREFOX_ON_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0';
const SAFARI_ON_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1';

/** A browser of its own (cookies and storage), signed in as `person`, on its profile page. */
async function signedInBrowser(browser: Browser, person: Person, userAgent: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: server.url, userAgent });
  const page = await context.newPage();
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  return page;
}

async function openSessions(page: Page) {
  await page.getByRole('link', { name: 'Profile' }).click();
  await page.getByRole('link', { name: 'Sessions', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your sessions' })).toBeVisible();
}

const sessionList = (page: Page) => page.getByRole('list', { name: 'Signed-in sessions' }).getByRole('listitem');

/**
 * Lets the signed-in page ask the server for something until it lands on the sign-in page: a
 * session ended elsewhere is refused within seconds, at the page's next request after that.
 */
async function untilSentToSignIn(page: Page, person: Person) {
  await expect(async () => {
    if (!page.url().includes('/login')) {
      if (page.url().endsWith('/users')) {
        await page.getByRole('link', { name: person.username, exact: true }).click();
      } else {
        await page.getByRole('link', { name: 'Users', exact: true }).click();
      }
    }
    await expect(page).toHaveURL(/\/login\?next=/, { timeout: 5_000 });
  }).toPass({ timeout: 30_000 });
}

test('two browsers see both sessions; the first ends the other, which lands on sign-in with "Your session has ended"', async ({
  browser,
  request,
}) => {
  const person = await activeAccount(request, server, 'twobrowsers');
  const laptop = await signedInBrowser(browser, person, CHROME_ON_LINUX);
  const other = await signedInBrowser(browser, person, FIREFOX_ON_WINDOWS);

  await openSessions(laptop);
  const sessions = sessionList(laptop);
  await expect(sessions).toHaveCount(2);
  const mine = sessions.filter({ hasText: 'This device' });
  await expect(mine.getByRole('heading', { name: 'Chrome on Linux' })).toBeVisible();
  await expect(mine.getByRole('button')).toHaveCount(0);
  const theirs = sessions.filter({ hasNotText: 'This device' });
  await expect(theirs.getByRole('heading', { name: 'Firefox on Windows 10' })).toBeVisible();
  await expect(theirs).toContainText('127.0.0.1');
  await expect(theirs.locator('time')).toHaveCount(2);

  await laptop.getByRole('button', { name: 'Sign out Firefox on Windows 10' }).click();
  await expect(laptop.getByRole('status')).toContainText('You were signed out of Firefox on Windows 10.');
  await expect(sessions).toHaveCount(1);
  await expect(laptop.getByText('You are not signed in anywhere else.')).toBeVisible();
  await expect(laptop.getByRole('heading', { level: 1, name: 'Your sessions' })).toBeFocused();

  await untilSentToSignIn(other, person);
  await expect(other.getByRole('alert')).toContainText('Your session has ended. Please sign in again.');
  expect(await sharedState(other)).toEqual({ state: 'ended' });

  await laptop.getByRole('link', { name: 'Users', exact: true }).click();
  await expect(laptop.getByRole('cell', { name: person.username, exact: true })).toBeVisible();
  await expect(laptop.getByTestId('signed-in-as')).toContainText(person.username);
});

test('"Sign out of all other devices", used with the keyboard alone, ends every other session', async ({
  browser,
  request,
}) => {
  const person = await activeAccount(request, server, 'allothers');
  const laptop = await signedInBrowser(browser, person, CHROME_ON_LINUX);
  const phone = await signedInBrowser(browser, person, SAFARI_ON_IPHONE);
  const desktop = await signedInBrowser(browser, person, FIREFOX_ON_WINDOWS);

  await openSessions(laptop);
  await expect(sessionList(laptop)).toHaveCount(3);
  await expect(laptop.getByRole('button', { name: 'Sign out Safari on iPhone' })).toBeVisible();
  const buttons = laptop.getByRole('list', { name: 'Signed-in sessions' }).getByRole('button');
  await expect(buttons).toHaveCount(2);
  await buttons.first().focus();
  await laptop.keyboard.press('Tab');
  await expect(buttons.nth(1)).toBeFocused();
  await laptop.keyboard.press('Tab');
  await expect(laptop.getByRole('button', { name: 'Sign out of all other devices' })).toBeFocused();
  await laptop.keyboard.press('Enter');
  await expect(laptop.getByRole('status')).toContainText('You were signed out of every other device.');
  await expect(sessionList(laptop)).toHaveCount(1);

  for (const page of [phone, desktop]) {
    await untilSentToSignIn(page, person);
    await expect(page.getByRole('alert')).toContainText('Your session has ended.');
  }
});

test('after sign-in no token can be read from LocalStorage, SessionStorage or document.cookie', async ({ page, request }) => {
  const person = await activeAccount(request, server, 'notoken');
  const access = watchAccessTokens(page);
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  // A reload gets a new access token with the refresh cookie: there are two to look for. The
  // page shows who is signed in before the watcher has read the sign-in's answer, so wait for it.
  await expect.poll(access, { message: 'the sign-in gave the page an access token' }).toBeTruthy();
  const first = access();
  await page.reload();
  await expect(page.getByTestId('signed-in-as')).toContainText(person.username);
  await expect.poll(access).not.toBe(first);

  const cookie = (await page.context().cookies()).find((c) => c.name === 'gatehouse_refresh');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/auth/jwt/' });
  const readable = await page.evaluate(() => ({
    local: Object.entries(localStorage),
    session: Object.entries(sessionStorage),
    cookie: document.cookie,
  }));
  const everything = JSON.stringify(readable);
  for (const token of [first, access(), cookie!.value]) {
    expect(token).toBeTruthy();
    expect(everything).not.toContain(token);
  }
  expect(everything).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
  expect(readable.cookie).toBe('');
  expect(await sharedState(page)).toEqual({
    state: 'signed_in',
    user_id: expect.any(Number),
    username: person.username,
    generation: expect.any(Number),
    refreshed_at: expect.any(Number),
  });
});

test('signing out forgets the session in every tab before the server has answered', async ({ context, request }) => {
  const person = await activeAccount(request, server, 'slowout');
  const page = await context.newPage();
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  const otherTab = await context.newPage();
  await otherTab.goto('/profile');
  await expect(otherTab.getByTestId('signed-in-as')).toContainText(person.username);

  // A very slow connection: the sign-out request is held until the tabs have been looked at.
  const held: import('@playwright/test').Route[] = [];
  await context.route('**/auth/jwt/blacklist/', (route) => {
    held.push(route);
  });
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect.poll(() => held.length).toBe(1);
  expect(held[0].request().headers()['x-token-transport']).toBe('cookie');
  await expect(page.getByRole('link', { name: 'Sign in' }).first()).toBeVisible();
  await expect(otherTab).toHaveURL(/\/login/);
  await expect(otherTab.getByRole('status')).toContainText('You were signed out in another tab.');
  const newTab = await context.newPage();
  await newTab.goto('/profile');
  await expect(newTab).toHaveURL(/\/login\?next=\/profile/);
  expect(await sharedState(newTab)).toBeNull();

  await held[0].continue();
  await context.unroute('**/auth/jwt/blacklist/');
});

test('a tab closed right after "Sign out" still ends the session on the server', async ({ context, request }) => {
  const person = await activeAccount(request, server, 'closeout');
  const page = await context.newPage();
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  const watcher = await apiSession(request, server, person);
  await expect.poll(async () => (await sessionsOf(request, server, watcher)).length).toBe(2);

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.close();

  await expect.poll(async () => (await sessionsOf(request, server, watcher)).length).toBe(1);
  const newTab = await context.newPage();
  await newTab.goto('/profile');
  await expect(newTab).toHaveURL(/\/login\?next=\/profile/);
  const refresh = await newTab.evaluate(async () => {
    const answer = await fetch('/auth/jwt/refresh/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Token-Transport': 'cookie' },
      body: '{}',
    });
    return answer.status;
  });
  // No cookie left (400), or one the server refuses (401): either way, nothing to sign in with.
  expect([400, 401]).toContain(refresh);
});

test('with more sessions than the page lists, it says so, and "Sign out of all other devices" ends the unlisted ones too', async ({
  page,
  request,
}) => {
  const person = await activeAccount(request, server, 'manysessions');
  const elsewhere: string[] = [];
  while (elsewhere.length < 101) {
    elsewhere.push(...(await Promise.all(Array.from({ length: 4 }, () => apiSession(request, server, person)))));
  }
  await page.goto('/login');
  await signIn(page, person.username, person.password);

  await openSessions(page);
  await expect(sessionList(page)).toHaveCount(100);
  await expect(sessionList(page).filter({ hasText: 'This device' })).toHaveCount(1);
  const note = page.getByText('Only your 100 most recent sessions are listed.');
  await expect(note).toContainText('“Sign out of all other devices” signs out of every one, listed or not.');

  await page.getByRole('button', { name: 'Sign out of all other devices' }).click();
  await expect(page.getByRole('status')).toContainText('You were signed out of every other device.');
  await expect(sessionList(page)).toHaveCount(1);
  await expect(note).toHaveCount(0);
  await expect(page.getByText('You are not signed in anywhere else.')).toBeVisible();

  // The first sessions, never on the page, ended too: their tokens are refused.
  for (const access of elsewhere.slice(0, 3)) {
    const asked = await request.get(`${server.url}/auth/users/me/`, { headers: { Authorization: `Bearer ${access}` } });
    expect(asked.status()).toBe(401);
  }
});
