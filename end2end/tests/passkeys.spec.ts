import { test, expect, Page, CDPSession } from '@playwright/test';
import { servers } from './support/servers';
import { activeAccount, signIn, signOut } from './support/app';
import { wcagViolations } from './support/axe';
import { totp } from './support/totp';
import { mailAbout } from './support/mailbox';

// Passkeys with Chromium's virtual authenticator (the DevTools protocol's WebAuthn domain): a
// platform authenticator that keeps discoverable credentials and verifies its user, as a
// phone or a laptop with a fingerprint reader does. The app is opened on localhost: browsers
// offer WebAuthn on a host name only.
const server = servers.passkeys;
// The accessibility audit injects axe-core, which the app's Content-Security-Policy would refuse.
test.use({ baseURL: server.frontend, bypassCSP: true });

const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

/** As in a browser without passkeys in autofill: the virtual authenticator would answer the
 * sign-in page's autofill request at once, before any button could be pressed. */
async function withoutAutofill(page: Page) {
  await page.addInitScript(() => {
    window.PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
}

async function addPasskey(page: Page, name: string) {
  await field(page, 'Name for the new passkey').fill(name);
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(page.getByRole('heading', { name: 'Your recovery codes' })).toBeFocused();
  await expect(page.getByRole('status')).toContainText(`Your passkey “${name}” was added.`);
}

async function openSecurity(page: Page) {
  await page.goto('/profile');
  await page.getByRole('link', { name: 'Security: second factors and passkeys' }).click();
  await expect(page.getByRole('heading', { name: 'Security', level: 1 })).toBeVisible();
  await expect(page.getByText('Loading your second factors…')).toBeHidden();
}

test('a passkey added on the Security page signs in alone and as the second step, and is removed with itself', async ({
  page,
  request,
}) => {
  const person = await activeAccount(request, server, 'passkey');
  const authenticator = await virtualAuthenticator(page);
  await withoutAutofill(page);
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  await openSecurity(page);
  expect(await wcagViolations(page), 'the Security page').toEqual([]);

  // Added, named: the recovery codes come with the first factor, shown once.
  await addPasskey(page, 'Test key');
  const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await expect(codes).toHaveCount(10);
  const download = page.getByRole('link', { name: 'Download the codes' });
  await expect(download).toHaveAttribute('download', 'recovery-codes.txt');
  expect(await wcagViolations(page), 'the recovery codes').toEqual([]);
  await page.getByRole('button', { name: 'I have kept them' }).click();
  await expect(page.getByRole('list', { name: 'Recovery codes' })).toBeHidden();
  const { credentials } = await authenticator.cdp.send('WebAuthn.getCredentials', {
    authenticatorId: authenticator.id,
  });
  expect(credentials).toHaveLength(1);
  expect(credentials[0].isResidentCredential, 'a discoverable passkey').toBe(true);
  const notice = await mailAbout(server.outbox, person.email, 'A second factor was added');
  expect(notice.text).toContain('A second factor (an authenticator app or a passkey) was added to your account');

  // Renamed with the keyboard.
  await page.getByRole('button', { name: 'Rename Test key' }).click();
  await expect(field(page, 'New name')).toBeFocused();
  await field(page, 'New name').fill('Laptop');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status')).toContainText('Renamed to “Laptop”.');
  await expect(page.getByRole('heading', { name: 'Laptop', level: 3 })).toBeVisible();

  // Alone: no username, no password.
  await signOut(page);
  await page.goto('/login');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText(person.username);

  // After the password, the account asks for its passkey.
  await signOut(page);
  await page.goto('/login');
  await field(page, 'Username').fill(person.username);
  await field(page, 'Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Second step' })).toBeVisible();
  expect(await wcagViolations(page), 'the second step by passkey').toEqual([]);
  await page.getByRole('button', { name: 'Use your passkey' }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText(person.username);

  // Removed, confirmed by the passkey itself; the password alone signs in again.
  await openSecurity(page);
  await page.getByRole('button', { name: 'Remove Laptop' }).click();
  await expect(page.getByRole('heading', { name: 'Remove “Laptop”?' })).toBeFocused();
  await page.getByRole('button', { name: 'Use a passkey instead' }).click();
  await expect(page.getByRole('status')).toContainText('“Laptop” was removed.');
  await expect(page.getByText('You have no passkeys yet.')).toBeVisible();
  await signOut(page);
  await signIn(page, person.username, person.password);
});

test('an authenticator app half added stays on the page, with its key and code, while a passkey is added beside it', async ({
  page,
  request,
}) => {
  const person = await activeAccount(request, server, 'both');
  await virtualAuthenticator(page);
  await withoutAutofill(page);
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  await openSecurity(page);

  await page.getByRole('button', { name: 'Add an authenticator app' }).click();
  const key = (await page.getByTestId('totp-key').textContent())!.replace(/\s/g, '');
  await field(page, 'Code from the app').fill('123');

  await addPasskey(page, 'Phone');
  await page.getByRole('button', { name: 'I have kept them' }).click();
  await expect(page.getByRole('heading', { name: 'Phone', level: 3 })).toBeVisible();
  expect((await page.getByTestId('totp-key').textContent())!.replace(/\s/g, ''), 'the same key').toBe(key);
  await expect(field(page, 'Code from the app')).toHaveValue('123');

  await field(page, 'Code from the app').fill(totp(key, Date.now() / 1000));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('status')).toContainText('Your authenticator app was added.');
  await expect(page.getByText('You have no authenticator app yet.')).toBeHidden();
  await expect(page.getByText('You have 10 unused recovery codes.', { exact: false })).toBeVisible();
});

test('a passkey from another site or a cancelled prompt is a clear error, not a sign-in', async ({ page, request }) => {
  const person = await activeAccount(request, server, 'nokey');
  const authenticator = await virtualAuthenticator(page);
  // The authenticator's user does not verify: the browser refuses the ceremony.
  await authenticator.cdp.send('WebAuthn.setUserVerified', { authenticatorId: authenticator.id, isUserVerified: false });
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  await openSecurity(page);
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(page.getByRole('alert')).toContainText('No passkey was used: the request was cancelled or timed out.');
  await expect(page.getByText('You have no passkeys yet.')).toBeVisible();

  // A sign-in with no passkey of this site on the authenticator.
  await authenticator.cdp.send('WebAuthn.setUserVerified', { authenticatorId: authenticator.id, isUserVerified: true });
  await signOut(page);
  await page.goto('/login');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.getByRole('alert')).toContainText('No passkey was used');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
});

test("the sign-in page offers a passkey in the username field's autofill", async ({ page, request }) => {
  const person = await activeAccount(request, server, 'autofill');
  const authenticator = await virtualAuthenticator(page);
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  await openSecurity(page);
  await addPasskey(page, 'Phone');
  await page.getByRole('button', { name: 'I have kept them' }).click();

  // Signed out with the authenticator waiting for a touch, so it does not answer at once.
  const presence = (enabled: boolean) =>
    authenticator.cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: authenticator.id, enabled });
  await presence(false);
  await signOut(page);
  await presence(true);

  // The sign-in page asks for a passkey through the username field; the virtual authenticator
  // picks the only one at once, as a person would from the field's suggestions.
  await page.goto('/login');
  await expect(page.getByTestId('signed-in-as')).toContainText(person.username);
  await expect(page).toHaveURL(/\/profile$/);
});
