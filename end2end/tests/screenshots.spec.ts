import { test, expect, Page } from '@playwright/test';
import * as path from 'node:path';
import { servers } from './support/servers';
import { activeAccount, signIn } from './support/app';
import { staffAccount } from './support/staff';
import { linkIn, mailAbout } from './support/mailbox';
import { totp } from './support/totp';

// Pictures of the main pages for the README, at a desktop and a phone size.
// Run by scripts/screenshots; they are not part of the test run.
const server = servers.main;
const out = path.resolve(__dirname, '../../docs/screenshots');
const sizes = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];

for (const size of sizes) {
  test(`screenshots at ${size.name} size`, async ({ page, request }) => {
    await page.setViewportSize({ width: size.width, height: size.height });
    const shot = async (name: string) => {
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: path.join(out, `${name}-${size.name}.png`) });
    };
    const field = (label: string) => page.getByLabel(label, { exact: true });

    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Your account, kept safe.' })).toBeVisible();
    await shot('home');

    await page.goto('/signup');
    await field('Username').fill('ada');
    await field('Email').fill('ada@example');
    await field('Password').fill('password');
    await field('Confirm password').fill('pasword');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect(page.getByText('The two passwords do not match.')).toBeVisible();
    await shot('sign-up-errors');

    const person = await activeAccount(request, server, `shot${size.name}`);
    await page.goto('/login?notice=activated');
    await shot('sign-in');
    await signIn(page, person.username, person.password);
    await field('First name').fill('Ada');
    await field('Last name').fill('Lovelace');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByRole('status')).toContainText('Your profile was saved.');
    await shot('profile');

    await page.goto('/profile/password');
    await field('Current password').fill(person.password);
    await field('New password').fill('12345678');
    await field('Confirm password').fill('12345678');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.locator('#field-new_password-errors')).toContainText('This password is entirely numeric.');
    await shot('change-password-errors');

    await page.getByRole('link', { name: 'Users' }).click();
    await expect(page.getByRole('cell', { name: person.username, exact: true })).toBeVisible();
    await shot('users');

    // A second session, from another browser, so the list shows one to sign out.
    const phone = await request.post(`${server.url}/auth/jwt/create/`, {
      headers: {
        'User-Agent':
          'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
      },
      data: { username: person.username, password: person.password },
    });
    expect(phone.ok()).toBeTruthy();
    await page.goto('/profile/sessions');
    await expect(page.getByText('This device')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sign out of all other devices' })).toBeVisible();
    await shot('sessions');

    await page.goto('/profile/activity');
    await expect(page.getByRole('list', { name: 'Recent activity, newest first' })).toBeVisible();
    await shot('activity');

    await page.getByRole('button', { name: 'Sign out', exact: true }).first().click();
    await page.goto('/password/reset');
    await field('Email').fill(person.email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await expect(page.getByRole('status')).toBeVisible();
    await shot('forgot-password');
    await page.goto(linkIn(await mailAbout(server.outbox, person.email, 'Password reset on'), 'password/reset/confirm'));
    await shot('reset-password');

    await page.goto('/activate/MQ/invalid-token');
    await expect(page.getByRole('alert')).toBeVisible();
    await shot('activation-invalid');

    await page.goto('/no/such/page');
    await shot('not-found');

    // Second factors: adding an authenticator app, the recovery codes, the second step.
    const guarded = await activeAccount(request, server, `mfa${size.name}`);
    await page.goto('/login');
    await signIn(page, guarded.username, guarded.password);
    await page.goto('/profile/security');
    await page.getByRole('button', { name: 'Add an authenticator app' }).click();
    await expect(page.getByRole('img', { name: /QR code/ })).toBeVisible();
    await shot('security-add-app');
    const key = (await page.getByTestId('totp-key').textContent())!.replace(/\s/g, '');
    await field('Code from the app').fill(totp(key, Date.now() / 1000));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect(page.getByRole('heading', { name: 'Your recovery codes' })).toBeVisible();
    await shot('security-recovery-codes');
    await page.getByRole('button', { name: 'I have kept them' }).click();
    await expect(page.getByRole('heading', { name: 'Authenticator app', level: 3 })).toBeVisible();
    await shot('security');
    await page.getByRole('button', { name: 'Sign out', exact: true }).first().click();
    await page.goto('/login');
    await field('Username').fill(guarded.username);
    await field('Password').fill(guarded.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Second step' })).toBeVisible();
    await shot('sign-in-second-step');

    // The staff console: the accounts, one account with its actions, and the audit trail.
    const staff = staffAccount(server, `staff${size.name}`);
    await page.goto('/login');
    await signIn(page, staff.username, staff.password);
    await page.goto(`/console?search=${person.username}`);
    await expect(page.getByRole('link', { name: person.username, exact: true })).toBeVisible();
    await shot('console');
    await page.getByRole('link', { name: person.username, exact: true }).click();
    await page.getByRole('button', { name: 'Deactivate', exact: true }).click();
    await expect(page.getByRole('button', { name: 'Confirm' })).toBeVisible();
    await shot('console-account');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('link', { name: 'Audit trail of this account' }).click();
    await expect(page.getByRole('heading', { level: 2, name: /events?$/ })).toBeVisible();
    await shot('audit-trail');
  });
}
