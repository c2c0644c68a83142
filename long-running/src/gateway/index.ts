export { type Gateway, type GatewayIdentity, type GatewayOptions, startGateway } from './gateway.ts';
export { EventHistory } from './history.ts';
export * from './protocol.ts';
