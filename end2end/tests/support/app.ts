import { execFileSync } from 'node:child_process';
import { expect, Page, APIRequestContext } from '@playwright/test';
import { linkIn, mailAbout } from './mailbox';
import type { Server } from './servers';

/** A person with a fresh, unique account name, so that runs never collide. */
export function newPerson(tag: string) {
  const id = `${tag}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  return {
    username: id,
    email: `${id}@example.com`,
    firstName: 'Ada',
    lastName: 'Lovelace',
    password: 'Quiet-Lantern-Harbor-42',
  };
}
export type Person = ReturnType<typeof newPerson>;

const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

/** Signs up on the sign-up page and waits to be told to look for the activation e-mail. */
export async function signUp(page: Page, person: Person) {
  await fillSignUp(page, person, '/signup');
  await expect(page.getByRole('heading', { name: 'Check your e-mail' })).toBeVisible();
}

/** Fills in and sends the sign-up form at `address`. */
export async function fillSignUp(page: Page, person: Person, address: string) {
  await page.goto(address);
  await field(page, 'Username').fill(person.username);
  await field(page, 'Email').fill(person.email);
  await field(page, 'First name').fill(person.firstName);
  await field(page, 'Last name').fill(person.lastName);
  await field(page, 'Password').fill(person.password);
  await field(page, 'Confirm password').fill(person.password);
  await page.getByRole('button', { name: 'Sign up' }).click();
}

/** Opens the activation link of the person's first e-mail and checks it worked. */
export async function activate(page: Page, server: Server, person: Person) {
  const mail = await mailAbout(server.outbox, person.email, 'Account activation');
  await page.goto(linkIn(mail, 'activate'));
  await expect(page.getByRole('status')).toContainText('Your account is active');
}

export async function signIn(page: Page, username: string, password: string) {
  if (!page.url().includes('/login')) await page.goto('/login');
  await field(page, 'Username').fill(username);
  await field(page, 'Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText(username);
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
}

/** An active account made through the API, for journeys that start signed out. */
export async function activeAccount(request: APIRequestContext, server: Server, tag: string): Promise<Person> {
  const person = newPerson(tag);
  const created = await request.post(`${server.url}/auth/users/`, {
    data: { username: person.username, email: person.email, password: person.password },
  });
  expect(created.status()).toBe(201);
  const link = linkIn(await mailAbout(server.outbox, person.email, 'Account activation'), 'activate');
  const [, , uid, token] = link.split('/');
  const activated = await request.post(`${server.url}/auth/users/activation/`, { data: { uid, token } });
  expect(activated.status()).toBe(204);
  return person;
}

/**
 * The latest access token the page was given (by sign-in or a refresh), read from the network
 * as it arrives: the app keeps it in memory only, where no test can read it.
 */
export function watchAccessTokens(page: Page): () => string | undefined {
  let latest: string | undefined;
  page.on('response', async (response) => {
    if (!/\/auth\/jwt\/(create|refresh)\/$/.test(response.url()) || !response.ok()) return;
    const body = await response.json().catch(() => ({}));
    if (typeof body.access === 'string') latest = body.access;
  });
  return () => latest;
}

/** The state the app shares between its tabs in LocalStorage, parsed; null when there is none. */
export async function sharedState(page: Page): Promise<Record<string, unknown> | null> {
  const raw = await page.evaluate(() => localStorage.getItem('gatehouse.session'));
  return raw === null ? null : JSON.parse(raw);
}

/** Waits until the server itself refuses the page's latest access token. */
export async function waitForAccessExpiry(
  request: APIRequestContext,
  server: Server,
  latestAccess: () => string | undefined,
) {
  await expect.poll(latestAccess, { message: 'the page was given an access token' }).toBeTruthy();
  const access = latestAccess();
  await expect
    .poll(
      async () =>
        (await request.get(`${server.url}/auth/users/me/`, { headers: { Authorization: `Bearer ${access}` } })).status(),
      { message: 'the access token is refused', timeout: 20_000, intervals: [250] },
    )
    .toBe(401);
}

/** An access token of a session of its own, signed in through the API (tokens in the body). */
export async function apiSession(request: APIRequestContext, server: Server, person: Person): Promise<string> {
  const created = await request.post(`${server.url}/auth/jwt/create/`, {
    data: { username: person.username, password: person.password },
  });
  expect(created.status()).toBe(200);
  return (await created.json()).access;
}

/** The person's sessions as the server lists them, seen with `access`. */
export async function sessionsOf(request: APIRequestContext, server: Server, access: string) {
  const listed = await request.get(`${server.url}/auth/users/me/sessions/`, {
    headers: { Authorization: `Bearer ${access}` },
  });
  expect(listed.status()).toBe(200);
  return (await listed.json()) as { id: string; device: string; current: boolean }[];
}

/** Counts the page's calls to the refresh endpoint. */
export function countRefreshes(page: Page): () => number {
  let count = 0;
  page.on('request', (request) => {
    if (request.url().endsWith('/auth/jwt/refresh/')) count += 1;
  });
  return () => count;
}

/**
 * Makes `username`'s sessions on `server` look signed in `seconds` earlier, as if the person
 * had stayed signed in that long: written into the server's SQLite file, with Python's sqlite3.
 */
export function signInsMadeEarlier(server: Server, username: string, seconds: number) {
  const file = server.env.GATEHOUSE_DATABASE_URL.replace(/^sqlite:\/\//, '');
  const script = [
    'import sqlite3, sys',
    'db = sqlite3.connect(sys.argv[1], timeout=10)',
    'db.execute("UPDATE gatehouse_sessions SET created_at = created_at - ? WHERE user_id = (SELECT id FROM users WHERE username = ?)", (int(sys.argv[2]) * 1000000, sys.argv[3]))',
    'db.commit()',
  ].join('\n');
  execFileSync('python3', ['-c', script, file, String(seconds), username], { stdio: 'pipe' });
}
