import { test, expect } from '@playwright/test';
import { servers } from './support/servers';
import { linkIn, mailAbout, mailsTo } from './support/mailbox';
import { activate, newPerson, signIn, signOut, signUp } from './support/app';

const server = servers.main;
const field = (page: import('@playwright/test').Page, label: string) => page.getByLabel(label, { exact: true });

test('a person signs up, activates, edits, changes and resets everything, and finally leaves', async ({ page }) => {
  const person = newPerson('journey');

  await test.step('sign up and activate from the e-mailed link', async () => {
    await signUp(page, person);
    await expect(page.getByText(person.email)).toBeVisible();
    await activate(page, server, person);
    await page.getByRole('link', { name: 'Continue to sign-in' }).click();
    await expect(page.getByRole('status')).toContainText('Your account is active');
  });

  await test.step('sign in and edit the profile', async () => {
    await signIn(page, person.username, person.password);
    await expect(page).toHaveURL(/\/profile$/);
    await expect(field(page, 'First name')).toHaveValue('Ada');
    await field(page, 'First name').fill('Augusta');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByRole('status')).toContainText('Your profile was saved.');
    await page.reload();
    await expect(field(page, 'First name')).toHaveValue('Augusta');
  });

  const newPassword = `${person.password}-2`;
  await test.step('change the password and receive the confirmation e-mail', async () => {
    await page.getByRole('link', { name: 'Change password' }).click();
    await field(page, 'Current password').fill('not my password');
    await field(page, 'New password').fill(newPassword);
    await field(page, 'Confirm password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.locator('#field-current_password-errors')).toContainText('Invalid password.');
    await field(page, 'Current password').fill(person.password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByRole('status')).toContainText('Your password was changed.');
    const confirmation = await mailAbout(server.outbox, person.email, 'Your password has been successfully changed');
    expect(confirmation.text).toContain(person.username);
  });

  await test.step('sign out, then reset the forgotten password from the e-mailed link', async () => {
    await signOut(page);
    await page.goto('/login');
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await field(page, 'Email').fill(person.email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await expect(page.getByRole('status')).toContainText('we sent it a link');
    const mail = await mailAbout(server.outbox, person.email, 'Password reset on');
    await page.goto(linkIn(mail, 'password/reset/confirm'));
    await field(page, 'New password').fill('short');
    await field(page, 'Confirm password').fill('different');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect(page.getByText('The two passwords do not match.')).toBeVisible();
    const reset = `${person.password}-3`;
    await field(page, 'New password').fill(reset);
    await field(page, 'Confirm password').fill(reset);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect(page.getByRole('status')).toContainText('Your password was reset.');
    await signIn(page, person.username, reset);
    person.password = reset;
  });

  const newName = `${person.username}x`;
  await test.step('forget the username, choose a new one from the e-mailed link and sign in with it', async () => {
    await signOut(page);
    await page.goto('/login');
    await page.getByRole('link', { name: 'Forgot username?' }).click();
    await field(page, 'Email').fill(person.email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await expect(page.getByRole('status')).toContainText('we sent it a link');
    const mail = await mailAbout(server.outbox, person.email, 'Username reset on');
    await page.goto(linkIn(mail, 'username/reset/confirm'));
    await field(page, 'New username').fill(newName);
    await page.getByRole('button', { name: 'Set new username' }).click();
    await expect(page.getByRole('status')).toContainText('Your username was changed.');
    await signIn(page, newName, person.password);
  });

  await test.step('delete the account after confirming with the password', async () => {
    await page.goto('/profile');
    await page.getByRole('button', { name: 'Delete account' }).click();
    await field(page, 'Current password').fill('wrong password');
    await page.getByRole('button', { name: 'Delete account' }).click();
    await expect(page.locator('#field-current_password-errors')).toContainText('Invalid password.');
    await field(page, 'Current password').fill(person.password);
    await page.getByRole('button', { name: 'Delete account' }).click();
    await expect(page.getByRole('status')).toContainText('Your account was deleted.');
    await field(page, 'Username').fill(newName);
    await field(page, 'Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toContainText('No active account found with the given credentials');
  });

  expect(mailsTo(server.outbox, person.email).map((mail) => mail.subject)).toContain(
    'Gatehouse - Your account has been successfully created and activated!',
  );
});
