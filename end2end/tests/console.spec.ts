import { test, expect, Browser, Page } from '@playwright/test';
import { servers } from './support/servers';
import { activate, activeAccount, apiSession, newPerson, signIn, signUp } from './support/app';
import { staffAccount } from './support/staff';
import { wcagViolations } from './support/axe';

const server = servers.main;
const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });
// The accessibility audit injects axe-core, which the app's Content-Security-Policy would refuse.
test.use({ bypassCSP: true });

/** A browser of its own: its own cookies and storage, so its own session. */
async function ownBrowser(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ baseURL: server.url, bypassCSP: true });
  return context.newPage();
}

async function audited(page: Page, what: string) {
  expect(await wcagViolations(page), what).toEqual([]);
}

/**
 * Lets the signed-in page ask the server for something until it lands on the sign-in page:
 * the session of a deactivated account is refused at the page's next request.
 */
async function untilSentToSignIn(page: Page) {
  await expect(async () => {
    if (!page.url().includes('/login')) {
      const to = page.url().endsWith('/users') ? 'Profile' : 'Users';
      await page.getByRole('link', { name: to, exact: true }).click();
    }
    await expect(page).toHaveURL(/\/login\?next=/, { timeout: 5_000 });
  }).toPass({ timeout: 30_000 });
}

test('staff find a new account, deactivate it (which ends its session and refuses its sign-in), reactivate it, and read both in the audit trail', async ({
  browser,
}) => {
  const staff = staffAccount(server, 'staff');
  const member = newPerson('member');
  const memberPage = await ownBrowser(browser);
  const staffPage = await ownBrowser(browser);

  await test.step('a person signs up, activates the account and signs in', async () => {
    await signUp(memberPage, member);
    await activate(memberPage, server, member);
    await signIn(memberPage, member.username, member.password);
  });

  await test.step('staff open the console from the navigation and find the account with the keyboard', async () => {
    await staffPage.goto('/login');
    await signIn(staffPage, staff.username, staff.password);
    await staffPage.getByRole('link', { name: 'Staff console' }).click();
    await expect(staffPage.getByRole('heading', { level: 1, name: 'Staff console' })).toBeVisible();
    await expect(staffPage).toHaveURL(/\/console$/);
    await audited(staffPage, 'the console');

    await field(staffPage, 'Search accounts').focus();
    await staffPage.keyboard.type(member.username.toUpperCase());
    await staffPage.keyboard.press('Enter');
    const results = staffPage.getByRole('heading', { level: 2, name: '1 account' });
    await expect(results).toBeFocused();
    await expect(staffPage).toHaveURL(new RegExp(`/console\\?search=${member.username.toUpperCase()}$`));
    const table = staffPage.getByRole('table', { name: new RegExp(`starts with “${member.username.toUpperCase()}”`) });
    await expect(table.getByRole('row')).toHaveCount(2);
    await expect(table.getByRole('row').nth(1)).toContainText(`${member.email}`);
    await expect(table.getByRole('row').nth(1)).toContainText('Active');
    await audited(staffPage, 'the console with results');

    await staffPage.keyboard.press('Tab');
    await expect(staffPage.getByRole('link', { name: member.username, exact: true })).toBeFocused();
    await staffPage.keyboard.press('Enter');
    await expect(staffPage.getByRole('heading', { level: 1, name: member.username })).toBeVisible();
    await expect(staffPage.getByTestId('account-active')).toHaveText('Yes');
    await expect(staffPage.getByTestId('account-staff')).toHaveText('No');
    const sessions = staffPage.getByRole('table', { name: `Live sessions of ${member.username}, newest first` });
    await expect(sessions.getByRole('row')).toHaveCount(2);
    await audited(staffPage, "an account's page");
  });

  await test.step('every action asks first: Escape takes the question back and nothing is done', async () => {
    const remove = staffPage.getByRole('button', { name: 'Delete', exact: true });
    await remove.focus();
    await staffPage.keyboard.press('Enter');
    await expect(staffPage.getByRole('heading', { name: `Delete ${member.username}?` })).toBeFocused();
    await staffPage.keyboard.press('Escape');
    await expect(staffPage.getByRole('heading', { name: `Delete ${member.username}?` })).toHaveCount(0);
    await expect(remove).toBeFocused();
  });

  await test.step('staff deactivate the account, confirming with the keyboard', async () => {
    await staffPage.getByRole('button', { name: 'Deactivate', exact: true }).focus();
    await staffPage.keyboard.press('Enter');
    await expect(staffPage.getByRole('heading', { name: `Deactivate ${member.username}?` })).toBeFocused();
    await expect(staffPage.getByText('Are you sure?')).toBeVisible();
    await audited(staffPage, 'the confirmation step');
    await staffPage.keyboard.press('Tab');
    await expect(staffPage.getByRole('button', { name: 'Confirm' })).toBeFocused();
    await staffPage.keyboard.press('Enter');
    await expect(staffPage.getByRole('status')).toHaveText(`${member.username} was deactivated.`);
    await expect(staffPage.getByTestId('account-active')).toHaveText('No');
    await expect(staffPage.getByRole('heading', { level: 2, name: 'Actions' })).toBeFocused();
    await expect(staffPage.getByText('None: the account is not signed in anywhere.')).toBeVisible();
    await audited(staffPage, 'an account after an action');
  });

  await test.step("the person's next request is refused, and signing in again is refused by the server", async () => {
    await untilSentToSignIn(memberPage);
    await expect(memberPage.getByRole('alert')).toContainText('Your session has ended. Please sign in again.');
    await field(memberPage, 'Username').fill(member.username);
    await field(memberPage, 'Password').fill(member.password);
    await memberPage.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(memberPage.getByRole('alert')).toContainText('No active account found with the given credentials');
  });

  await test.step('staff reactivate the account, and the person signs in again', async () => {
    await staffPage.getByRole('button', { name: 'Activate', exact: true }).click();
    await staffPage.getByRole('button', { name: 'Confirm' }).click();
    await expect(staffPage.getByRole('status')).toHaveText(`${member.username} was activated.`);
    await expect(staffPage.getByTestId('account-active')).toHaveText('Yes');
    await signIn(memberPage, member.username, member.password);
  });

  await test.step('the person reads both in their recent activity', async () => {
    await memberPage.getByRole('link', { name: 'Profile', exact: true }).click();
    await memberPage.getByRole('link', { name: 'Recent activity' }).focus();
    await memberPage.keyboard.press('Enter');
    await expect(memberPage.getByRole('heading', { level: 1, name: 'Recent activity' })).toBeVisible();
    const activity = memberPage.getByRole('list', { name: 'Recent activity, newest first' }).getByRole('listitem');
    await expect(activity.first()).toContainText('Signed in with a password from');
    await expect(activity.filter({ hasText: `Account deactivated by ${staff.username}` })).toHaveCount(1);
    await expect(activity.filter({ hasText: `Account activated by ${staff.username}` })).toHaveCount(1);
    await expect(activity.filter({ hasText: 'Account created' })).toHaveCount(1);
    await expect(activity.first().locator('time')).toHaveAttribute('datetime', /^\d{4}-\d\d-\d\dT/);
    await audited(memberPage, 'the recent activity');
  });

  await test.step("staff read both actions in the account's audit trail, and filter it", async () => {
    await staffPage.getByRole('link', { name: 'Audit trail of this account' }).click();
    await expect(staffPage.getByRole('heading', { level: 1, name: 'Audit trail' })).toBeVisible();
    await expect(staffPage).toHaveURL(/\/console\/audit\?user=\d+$/);
    const rows = staffPage.getByRole('table', { name: /filter/ }).getByRole('row');
    const deactivated = rows.filter({ hasText: 'user.deactivated' });
    await expect(deactivated).toHaveCount(1);
    await expect(deactivated).toContainText('Account deactivated');
    await expect(deactivated).toContainText(staff.username);
    await expect(deactivated).toContainText(member.username);
    await expect(rows.filter({ hasText: 'user.activated' }).filter({ hasText: staff.username })).toHaveCount(1);
    await expect(rows.filter({ hasText: 'user.registered' })).toHaveCount(1);
    await expect(field(staffPage, 'Account id')).toHaveValue(/^\d+$/);
    await audited(staffPage, 'the audit trail');

    await field(staffPage, 'Event').selectOption({ label: 'Account deactivated' });
    await staffPage.getByRole('button', { name: 'Show events' }).click();
    await expect(staffPage.getByRole('heading', { level: 2, name: '1 event' })).toBeFocused();
    await expect(staffPage).toHaveURL(/event=user\.deactivated/);
    await expect(rows).toHaveCount(2);

    await field(staffPage, 'Until').fill('2000-01-01T00:00');
    await staffPage.getByRole('button', { name: 'Show events' }).click();
    await expect(staffPage.getByRole('heading', { level: 2, name: '0 events' })).toBeFocused();
    await expect(staffPage.getByText('No events match the filter.')).toBeVisible();
    await audited(staffPage, 'an audit trail with nothing in it');

    await staffPage.getByRole('link', { name: 'Clear the filter' }).click();
    await expect(staffPage).toHaveURL(/\/console\/audit$/);
    await expect(field(staffPage, 'Account id')).toHaveValue('');
    const everything = staffPage.getByRole('table', { name: 'Every event, newest first' }).getByRole('row');
    await expect(everything.filter({ hasText: 'user.deactivated' }).filter({ hasText: member.username })).toHaveCount(1);
  });
});

test('a person who is not staff finds no console: every console address is not found, and no link leads there', async ({
  page,
  request,
}) => {
  const person = await activeAccount(request, server, 'nostaff');
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  for (const path of ['/console', '/console/audit', '/console/audit?user=1', '/console/users/1']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1, name: 'Page not found' }), path).toBeVisible();
    await expect(page.getByTestId('signed-in-as')).toContainText(person.username);
    await expect(page.getByRole('link', { name: 'Staff console' })).toHaveCount(0);
  }
  await audited(page, 'a console address, not found');

  // The server refuses them too: hiding the console is not what protects it.
  const access = await apiSession(request, server, person);
  for (const path of ['admin/users/', 'admin/audit/']) {
    const answer = await request.get(`${server.url}/auth/${path}`, { headers: { Authorization: `Bearer ${access}` } });
    expect(answer.status(), path).toBe(404);
    expect(await answer.json()).toEqual({ detail: 'Not found.' });
  }
});
