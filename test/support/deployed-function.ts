// A DeployedFunction as the Knative port returns it for a ready function (hello in namespace team, its
// latest revision serving 100%), for unit tests of the rules that read one; `over` changes any field.
import type {DeployedFunction} from '../../src/core/ports.js';

export function deployedFunction(over: Partial<DeployedFunction> & {revision?: string} = {}): DeployedFunction {
  const {revision = 'hello-00002', ...fields} = over;
  return {
    name: 'hello',
    namespace: 'team',
    routing: 'service',
    resourceVersion: '7',
    observed: true,
    traffic: [{latestRevision: true, percent: 100}],
    statusTraffic: [{latestRevision: true, revisionName: revision, percent: 100}],
    url: 'http://hello.team.example.test',
    latestCreatedRevisionName: revision,
    latestReadyRevisionName: revision,
    conditions: [
      {type: 'ConfigurationsReady', status: 'True'},
      {type: 'RoutesReady', status: 'True'},
      {type: 'Ready', status: 'True'},
    ],
    labels: {},
    annotations: {},
    ...fields,
  };
}
