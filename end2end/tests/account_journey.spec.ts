import { test, expect } from '@playwright/test';
import { servers } from './support/servers';
import { linkIn, mailAbout, mailsTo } from './support/mailbox';
import { activate, activeAccount, fillSignUp, newPerson, sharedState, signIn, signOut, signUp } from './support/app';

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
    // The question takes the keyboard's focus; Cancel gives it back to the button.
    await expect(page.getByText('Are you sure?')).toBeFocused();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('button', { name: 'Delete account' })).toBeFocused();
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

test('a person takes back a change of e-mail address from the message sent to the old address', async ({ page, request }) => {
  const person = await activeAccount(request, server, 'revert');
  const moved = `moved-${person.email}`;
  const currentPassword = field(page, 'Current password');

  await test.step('a new address needs the current password, and a wrong one is refused under its field', async () => {
    await page.goto('/login');
    await signIn(page, person.username, person.password);
    await expect(currentPassword).toHaveCount(0);
    await field(page, 'Email').fill(moved);
    await expect(currentPassword).toHaveAttribute('type', 'password');
    await expect(currentPassword).toHaveAttribute('autocomplete', 'current-password');
    await currentPassword.fill('not my password');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('#field-email-password-errors')).toContainText('Invalid password.');
    await expect(currentPassword).toHaveAttribute('aria-invalid', 'true');
    await expect(currentPassword).toBeFocused();
    expect(mailsTo(server.outbox, moved)).toEqual([]);
  });

  await test.step('with the right password the address changes, and the old address is told', async () => {
    await currentPassword.fill(person.password);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page).toHaveURL(/\/login/);
    await expect(page.getByRole('status')).toContainText('We also told your old address about the change.');
    await page.goto(linkIn(await mailAbout(server.outbox, moved, 'Account activation'), 'activate'));
    await expect(page.getByRole('status')).toContainText('Your account is active');
  });

  const notice = await mailAbout(server.outbox, person.email, 'The e-mail address of your account was changed');
  expect(notice.text).toContain(moved);
  const link = linkIn(notice, 'email/revert');

  await test.step('signed in with the new address in two tabs, the link takes the change back and ends the session in both', async () => {
    await page.goto('/login');
    await signIn(page, person.username, person.password);
    await expect(field(page, 'Email')).toHaveValue(moved);
    const otherTab = await page.context().newPage();
    await otherTab.goto('/profile');
    await expect(otherTab.getByTestId('signed-in-as')).toContainText(person.username);

    await page.goto(link);
    await expect(page.getByRole('heading', { name: 'Take back the e-mail change' })).toBeVisible();
    await expect(page.getByText('This puts back the e-mail address your account had before the change and signs the account out on every device.')).toBeVisible();
    await page.getByRole('button', { name: 'Take back the change' }).click();
    await expect(page.getByRole('status')).toContainText('Your old e-mail address is back');
    await expect(page.getByRole('status')).toContainText('reset it');
    await expect(page.getByRole('main').getByRole('link', { name: 'Forgot your password?' })).toBeVisible();
    await expect(page.getByTestId('signed-in-as')).toHaveCount(0);
    expect(await sharedState(page)).toBeNull();
    await expect(otherTab).toHaveURL(/\/login/);
    await otherTab.close();

    await page.goto('/profile');
    await expect(page).toHaveURL(/\/login\?next=\/profile/);
  });

  await test.step('the old address is back, and the link works only once', async () => {
    await signIn(page, person.username, person.password);
    await expect(field(page, 'Email')).toHaveValue(person.email);
    await page.goto(link);
    await page.getByRole('button', { name: 'Take back the change' }).click();
    await expect(page.getByRole('alert')).toContainText('This link is invalid or was already used.');
    await expect(page.getByRole('main').getByRole('link', { name: 'Sign in' })).toBeVisible();
  });
});

test('where no activation e-mail is sent, a new account goes from sign-up straight to signing in', async ({ page }) => {
  const open = servers.open;
  const person = newPerson('open');
  await fillSignUp(page, person, `${open.url}/signup`);
  await expect(page.getByRole('heading', { name: 'Sign in', level: 1 })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('Your account is active. You can sign in now.');
  await signIn(page, person.username, person.password);
  await expect(page).toHaveURL(`${open.url}/profile`);
  // No link to open: the e-mail that came says the account is ready.
  const mails = mailsTo(open.outbox, person.email);
  expect(mails.map((mail) => mail.subject)).toEqual(['Gatehouse - Your account has been successfully created and activated!']);
});
