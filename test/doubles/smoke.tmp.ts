import { Client, Events, GatewayIntentBits, Partials } from 'discord.js';
import { startFakeDiscord } from './fake-discord/index.js';

process.on('uncaughtException', (e) => console.log('UNCAUGHT', e.message));
process.on('unhandledRejection', (e) => console.log('UNHANDLED', (e as Error).message));
const fake = await startFakeDiscord();
const client = new Client({
  intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages],
  partials: [Partials.Channel],
  ...fake.clientOptions(),
});
client.on('error', (e) => console.log('client error', e.message));
client.on('shardError', (e) => console.log('shard error', e.message));
client.on(Events.MessageCreate, (m) => console.log('message', m.content));
client.on(Events.InteractionCreate, (i) =>
  console.log('interaction', i.type, i.isChatInputCommand() && i.commandName),
);
await new Promise((r) => {
  client.once(Events.ClientReady, r);
  void client.login(fake.token);
});
const cases: Array<[string, unknown]> = [
  ['MESSAGE_CREATE', { id: '1', channel_id: fake.world.channel.id, author: null, content: null }],
  ['MESSAGE_CREATE', null],
  ['INTERACTION_CREATE', { id: '2', type: 2, data: null, token: 't' }],
  ['INTERACTION_CREATE', null],
  ['GUILD_CREATE', { id: null, channels: null }],
  ['GUILD_CREATE', null],
  ['MESSAGE_UPDATE', { id: null }],
  ['TOTALLY_UNKNOWN', null],
];
for (const [t, d] of cases) {
  console.log('-- sending', t, JSON.stringify(d));
  fake.dispatch(t, d);
  await new Promise((r) => setTimeout(r, 100));
}
console.log('-- raw garbage');
fake.gateway.sendRaw('{not json');
await new Promise((r) => setTimeout(r, 300));
fake.dispatchInteraction(fake.build.slashCommand({ name: 'imagine', options: { prompt: 'cat' } }));
fake.dispatchMessage(fake.build.userMessage({ content: 'hello' }));
await new Promise((r) => setTimeout(r, 300));
console.log('connected', fake.gateway.connected, fake.gatewayFrames.summary());
await client.destroy();
await fake.stop();
