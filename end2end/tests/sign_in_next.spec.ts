import { test, expect, Page } from '@playwright/test';
import { servers } from './support/servers';
import { activeAccount, signIn } from './support/app';

// The sign-in page goes back to its `next` parameter afterwards. Whatever `next` says, a person
// who signs in stays on this site: anything but a page of the app leads to their profile.
const server = servers.main;

// Each value is written into the address as it is: the browser decodes the percent escapes
// when it reads the query, so `%09` reaches the app as a tab.
const hostile: [string, string][] = [
  ['a tab after the first slash', '/%09/evil.example/x'],
  ['a newline after the first slash', '/%0A/evil.example/x'],
  ['a carriage return after the first slash', '/%0D/evil.example/x'],
  ['a backslash', '/\\evil.example'],
  ['an encoded backslash', '/%5Cevil.example'],
  ['a doubled slash', '//evil.example'],
  ['an encoded slash after the first', '/%2F/evil.example'],
  ['two encoded slashes', '%2F%2Fevil.example'],
  ['another site', 'https://evil.example/'],
  ['a script', 'javascript:alert(1)'],
  ['a dot segment before a doubled slash', '/.//evil.example'],
];

/** Records every request the page makes to another site, and answers none of them. */
async function watchOtherSites(page: Page): Promise<string[]> {
  const elsewhere: string[] = [];
  await page.route(
    (url) => url.origin !== server.url,
    async (route) => {
      elsewhere.push(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Another site</h1>' });
    },
  );
  page.on('dialog', (dialog) => {
    elsewhere.push(`a dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return elsewhere;
}

for (const [what, next] of hostile) {
  test(`a sign-in whose way back holds ${what} (${next}) ends on the profile page of this site`, async ({ page, request }) => {
    const person = await activeAccount(request, server, 'next');
    const elsewhere = await watchOtherSites(page);
    await page.goto(`/login?next=${next}`);
    await signIn(page, person.username, person.password);
    await expect(page).toHaveURL(`${server.url}/profile`);
    await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible();
    expect(new URL(page.url()).origin).toBe(server.url);
    expect(elsewhere).toEqual([]);
  });
}

test('a sign-in whose way back is a page of this app goes there with its query and fragment', async ({ page, request }) => {
  const person = await activeAccount(request, server, 'nextgood');
  const elsewhere = await watchOtherSites(page);
  await page.goto(`/login?next=${encodeURIComponent('/users?sort=name#list')}`);
  await signIn(page, person.username, person.password);
  await expect(page).toHaveURL(`${server.url}/users?sort=name#list`);
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
  await expect(page.getByRole('cell', { name: person.username, exact: true })).toBeVisible();
  expect(elsewhere).toEqual([]);
});
