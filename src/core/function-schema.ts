// The JSON schema of fn.yaml. Every key a user may write is here; `additionalProperties: false`
// everywhere so that a typo is an error (with a did-you-mean) instead of a silently ignored setting.

export const RUNTIMES = ['node', 'typescript', 'python', 'go'] as const;
export const TEMPLATES = ['http', 'cloudevents'] as const;
export const ROUTING_MODES = ['service', 'route'] as const;
export const SCALE_METRICS = ['concurrency', 'rps'] as const;
/** subscriptions[].delivery.backoffPolicy: how the delay between retries grows (Knative's DeliverySpec). */
export const BACKOFF_POLICIES = ['exponential', 'linear'] as const;

const stringMap = {type: 'object', additionalProperties: {type: 'string'}} as const;
const keyRef = {
  type: 'object',
  required: ['name', 'key'],
  additionalProperties: false,
  properties: {name: {type: 'string', minLength: 1}, key: {type: 'string', minLength: 1}, optional: {type: 'boolean'}},
} as const;
const quantity = {type: ['string', 'number']} as const;
const resourceList = {
  type: 'object',
  additionalProperties: false,
  properties: {cpu: quantity, memory: quantity, 'ephemeral-storage': quantity},
} as const;

export const functionSchema = {
  type: 'object',
  required: ['name', 'runtime'],
  additionalProperties: false,
  properties: {
    specVersion: {type: 'integer', enum: [1]},
    name: {type: 'string', minLength: 1},
    runtime: {type: 'string', enum: [...RUNTIMES]},
    template: {type: 'string', enum: [...TEMPLATES]},
    image: {type: 'string', minLength: 1},
    registry: {type: 'string', minLength: 1},
    namespace: {type: 'string', minLength: 1},
    build: {
      type: 'object',
      additionalProperties: false,
      properties: {
        baseImage: {type: 'string', minLength: 1},
        builderImage: {type: 'string', minLength: 1},
        buildArgs: stringMap,
        dockerfile: {type: 'string', minLength: 1},
        platform: {type: 'string', pattern: '^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$'},
      },
    },
    env: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: {type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$'},
          value: {type: 'string'},
          secretKeyRef: keyRef,
          configMapKeyRef: keyRef,
        },
      },
    },
    envFrom: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {secretRef: {type: 'string', minLength: 1}, configMapRef: {type: 'string', minLength: 1}},
      },
    },
    scale: {
      type: 'object',
      additionalProperties: false,
      properties: {
        min: {type: 'integer', minimum: 0},
        max: {type: 'integer', minimum: 0},
        initial: {type: 'integer', minimum: 0},
        target: {type: 'integer', minimum: 1},
        metric: {type: 'string', enum: [...SCALE_METRICS]},
        concurrency: {type: 'integer', minimum: 0, maximum: 1000},
      },
    },
    timeout: {type: 'integer', minimum: 1, maximum: 3600},
    resources: {
      type: 'object',
      additionalProperties: false,
      properties: {requests: resourceList, limits: resourceList},
    },
    labels: stringMap,
    annotations: stringMap,
    deploy: {
      type: 'object',
      additionalProperties: false,
      properties: {routing: {type: 'string', enum: [...ROUTING_MODES]}},
    },
    // Events (event-checks.ts checks names, filters, cron and time zones).
    subscriptions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['broker'],
        additionalProperties: false,
        properties: {
          broker: {type: 'string', minLength: 1},
          name: {type: 'string', minLength: 1},
          // A map of exact attribute matches, or a list in the newer filter dialect.
          filters: {type: ['object', 'array']},
          // Knative's DeliverySpec in its own names (event-delivery.ts checks the values).
          delivery: {
            type: 'object',
            additionalProperties: false,
            properties: {
              retry: {type: 'integer', minimum: 0, maximum: 2147483647},
              backoffPolicy: {type: 'string', enum: [...BACKOFF_POLICIES]},
              backoffDelay: {type: 'string', minLength: 1},
              deadLetterSink: {type: 'string', minLength: 1},
            },
          },
        },
      },
    },
    schedules: {
      type: 'array',
      items: {
        type: 'object',
        required: ['cron'],
        additionalProperties: false,
        properties: {
          cron: {type: 'string', minLength: 1},
          timezone: {type: 'string', minLength: 1},
          data: {},
          contentType: {type: 'string', minLength: 1},
          name: {type: 'string', minLength: 1},
        },
      },
    },
  },
} as const;
