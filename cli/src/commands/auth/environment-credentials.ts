/** Saved credentials lose to SHOPCTL_TOKEN and SHOPCTL_API_KEY; say so, or a login seems not to work. */
export const environmentCredentialNote = (env: NodeJS.ProcessEnv): string | undefined => {
  const set = ['SHOPCTL_TOKEN', 'SHOPCTL_API_KEY'].filter((name) => env[name]);
  return set.length > 0 ? `Note: ${set.join(' and ')} ${set.length > 1 ? 'are' : 'is'} set and takes precedence over the profile; unset it to use the saved credentials.` : undefined;
};
