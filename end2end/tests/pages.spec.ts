import { test, expect, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { servers } from './support/servers';
import { linkIn, mailAbout } from './support/mailbox';
import { activeAccount, apiSession, newPerson, signIn, signUp } from './support/app';
import { wcagViolations } from './support/axe';

const server = servers.main;
const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

test('an activation link opened twice says the account is already active, as good news', async ({ page }) => {
  const person = newPerson('twice');
  await signUp(page, person);
  const link = linkIn(await mailAbout(server.outbox, person.email, 'Account activation'), 'activate');
  await page.goto(link);
  await expect(page.getByRole('status')).toContainText('Your account is active');
  await page.goto(link);
  await expect(page.getByRole('status')).toContainText('Your account is already active');
  await expect(page.getByRole('alert')).toHaveCount(0);
  await page.getByRole('link', { name: 'Continue to sign-in' }).click();
  await signIn(page, person.username, person.password);
});

test('a broken activation link is explained and offers a new one', async ({ page }) => {
  const person = newPerson('broken');
  await signUp(page, person);
  await page.goto('/activate/MTIzNDU2/abc-0123456789abcdef');
  await expect(page.getByRole('alert')).toContainText('This activation link is invalid or has expired');
  await page.getByRole('link', { name: 'Resend activation e-mail' }).click();
  await field(page, 'Email').fill(person.email);
  await page.getByRole('button', { name: 'Resend activation e-mail' }).click();
  await expect(page.getByRole('status')).toContainText('a new link is on its way');
  await mailAbout(server.outbox, person.email, 'Account activation', 2);
});

test('the check-your-e-mail page resends the activation e-mail', async ({ page }) => {
  const person = newPerson('resend');
  await signUp(page, person);
  await page.getByRole('button', { name: 'Resend activation e-mail' }).click();
  await expect(page.getByRole('status')).toContainText('a new link is on its way');
  await mailAbout(server.outbox, person.email, 'Account activation', 2);
});

test('the server’s field errors appear under their fields, and the browser checks the confirmation', async ({ page, request }) => {
  const taken = await activeAccount(request, server, 'taken');
  await page.goto('/signup');
  await field(page, 'Username').fill(taken.username);
  await field(page, 'Email').fill('someone@example.com');
  await field(page, 'Password').fill('12345678');
  await field(page, 'Confirm password').fill('12345679');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(field(page, 'Confirm password')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('The two passwords do not match.')).toBeVisible();

  await field(page, 'Confirm password').fill('12345678');
  await page.getByRole('button', { name: 'Sign up' }).click();
  const username = field(page, 'Username');
  await expect(username).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#field-username-errors')).toContainText('A user with that username already exists.');
  await expect(username).toBeFocused();

  await username.fill(newPerson('free').username);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.locator('#field-password-errors')).toContainText('This password is entirely numeric.');
  await expect(field(page, 'Password')).toHaveAttribute('aria-invalid', 'true');
  await expect(username).toHaveAttribute('aria-invalid', 'false');
});

test('wrong credentials are announced in the alert region', async ({ page }) => {
  await page.goto('/login');
  await field(page, 'Username').fill('nobody-at-all');
  await field(page, 'Password').fill('whatever-it-is');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('No active account found with the given credentials');
  await expect(field(page, 'Password')).toHaveValue('');
});

test('a protected page sends a signed-out visitor to sign in, and back afterwards', async ({ page, request }) => {
  const person = await activeAccount(request, server, 'back');
  await page.goto('/profile/username');
  await expect(page).toHaveURL(/\/login\?next=\/profile\/username/);
  await signIn(page, person.username, person.password);
  await expect(page).toHaveURL(/\/profile\/username$/);
  await expect(page.getByRole('heading', { name: 'Change your username' })).toBeVisible();
});

test('a signed-in person changes their username and sees it in the navigation', async ({ page, request }) => {
  const person = await activeAccount(request, server, 'rename');
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  await page.goto('/profile/username');
  await field(page, 'Current password').fill(person.password);
  await field(page, 'New username').fill(`${person.username}2`);
  await page.getByRole('button', { name: 'Change username' }).click();
  await expect(page.getByRole('status')).toContainText(`Your username is now ${person.username}2`);
  await expect(page.getByTestId('signed-in-as')).toContainText(`${person.username}2`);
});

test('changing the e-mail address pauses the account until the new address is confirmed', async ({ page, request }) => {
  const person = await activeAccount(request, server, 'move');
  const moved = `moved-${person.email}`;
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  await field(page, 'Email').fill(moved);
  await expect(page.getByText('Changing your e-mail address signs you out.')).toBeVisible();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.locator('#field-email-password-errors')).toContainText('This field is required.');
  await field(page, 'Current password').fill(person.password);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('status')).toContainText('We sent a confirmation link to your new e-mail address');

  await page.goto(linkIn(await mailAbout(server.outbox, moved, 'Account activation'), 'activate'));
  await expect(page.getByRole('status')).toContainText('Your account is active');
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  await expect(field(page, 'Email')).toHaveValue(moved);
});

test('a normal user sees only themselves in the users list; staff see everyone', async ({ page, request }) => {
  const person = await activeAccount(request, server, 'list');
  const other = await activeAccount(request, server, 'other');
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page.getByText('1 account')).toBeVisible();
  await expect(page.getByRole('cell', { name: other.username, exact: true })).toHaveCount(0);
  await page.getByRole('link', { name: person.username, exact: true }).click();
  await expect(page.getByRole('heading', { name: person.username })).toBeVisible();

  const staff = newPerson('staff');
  execFileSync(process.env.GATEHOUSE_BIN ?? `${__dirname}/../../target/debug/gatehouse`, ['createsuperuser', '--username', staff.username, '--email', staff.email, '--noinput'], {
    env: { ...process.env, ...server.env, GATEHOUSE_SUPERUSER_PASSWORD: staff.password },
  });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.goto('/login');
  await signIn(page, staff.username, staff.password);
  await page.goto('/users');
  await expect(page.getByRole('cell', { name: other.username, exact: true })).toBeVisible();
  await expect(page.getByRole('cell', { name: person.username, exact: true })).toBeVisible();
});

test('a followed link changes the address, and reload and Back keep to it', async ({ page }) => {
  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await expect(page.getByRole('heading', { name: 'Forgot your password?' })).toBeVisible();
  await expect(page).toHaveURL(/\/password\/reset$/);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Forgot your password?' })).toBeVisible();
  await page.goBack();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
});

test('an unknown address shows the not-found page', async ({ page }) => {
  await page.goto('/no/such/page');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await page.getByRole('link', { name: 'Go to the home page' }).click();
  await expect(page.getByRole('heading', { name: 'Your account, kept safe.' })).toBeVisible();
});

test('every form can be used with the keyboard alone', async ({ page, request }) => {
  const person = await activeAccount(request, server, 'keys');
  await page.goto('/login');
  await field(page, 'Username').focus();
  await page.keyboard.type(person.username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(person.password);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('signed-in-as')).toContainText(person.username);
});

test('a profile that cannot be loaded says so and loads on "Try again"', async ({ page, request }) => {
  const person = await activeAccount(request, server, 'unreachable');
  await signIn(page, person.username, person.password);
  await page.goto('/profile');
  await expect(page.getByLabel('First name', { exact: true })).toBeVisible();
  // The server stops answering for the account while the page is loaded again.
  await page.route('**/auth/users/me/', (route) => route.abort());
  await page.reload();
  await expect(page.getByRole('alert')).toContainText('Your account could not be loaded');
  await page.unroute('**/auth/users/me/');
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByLabel('First name', { exact: true })).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('a link followed moves keyboard focus to the new page, past the header', async ({ page }) => {
  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot password?' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Forgot your password?' })).toBeVisible();
  await expect(page.locator('main#main')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(field(page, 'Email')).toBeFocused();
});

test('"Skip to content" takes keyboard focus past the header to the page', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByRole('heading', { level: 1, name: /sign in/i })).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('main#main')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(field(page, 'Username')).toBeFocused();
});

test.describe('accessibility', () => {
  // The audit's script is injected into the page, which the app's CSP would refuse.
  test.use({ bypassCSP: true });

  test('every page passes the WCAG 2.1 AA audit, signed out and signed in', async ({ page, request }) => {
    const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
    const visit = async (path: string, ready: () => import('@playwright/test').Locator) => {
      await page.goto(path);
      await expect(ready()).toBeVisible();
      expect(await wcagViolations(page), path).toEqual([]);
    };

    await visit('/', () => heading('Your account, kept safe.'));
    await visit('/signup', () => heading('Create your account'));
    await visit('/signup/check-email', () => heading('Check your e-mail'));
    await visit('/activate/resend', () => heading(/activation/i));
    await visit('/activate/MQ/invalid-token', () => page.getByRole('alert'));
    await visit('/login?notice=expired', () => page.getByRole('alert'));
    await visit('/password/reset', () => heading('Forgot your password?'));
    await visit('/username/reset', () => heading(/username/i));
    await visit('/password/reset/confirm/MQ/invalid-token', () => heading(/password/i));
    await visit('/username/reset/confirm/MQ/invalid-token', () => heading(/username/i));
    await visit('/email/revert/MQ/invalid-token', () => page.getByRole('button', { name: 'Take back the change' }));
    await page.getByRole('button', { name: 'Take back the change' }).click();
    await expect(page.getByRole('alert')).toContainText('This link is invalid or was already used.');
    expect(await wcagViolations(page), 'a refused e-mail revert link').toEqual([]);
    await visit('/no/such/page', () => heading('Page not found'));

    const person = await activeAccount(request, server, 'audit');
    // A second session, so that the sessions page shows another one with its button.
    await apiSession(request, server, person);
    await page.goto('/login');
    await signIn(page, person.username, person.password);
    await visit('/profile', () => heading('Your profile'));
    await field(page, 'Email').fill(`new-${person.email}`);
    await expect(field(page, 'Current password')).toBeVisible();
    expect(await wcagViolations(page), 'the profile with a new e-mail address').toEqual([]);
    await visit('/profile/password', () => heading('Change your password'));
    await visit('/profile/username', () => heading('Change your username'));
    await visit('/profile/sessions', () => page.getByRole('button', { name: 'Sign out of all other devices' }));
    await visit('/profile/activity', () => page.getByRole('list', { name: 'Recent activity, newest first' }));
    // The staff console, to someone who is not staff (console.spec.ts audits it for staff).
    await visit('/console', () => heading('Page not found'));
    await visit('/users', () => page.getByRole('cell', { name: person.username, exact: true }));
    await page.getByRole('link', { name: person.username, exact: true }).click();
    await expect(heading(person.username)).toBeVisible();
    expect(await wcagViolations(page), 'a user').toEqual([]);
  });
});
