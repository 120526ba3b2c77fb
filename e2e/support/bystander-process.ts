import { sampleGets } from './timed-get.ts'
import type { BystanderRequest } from './bystander.ts'

/**
 * The bystander as its own process (see `bystander.ts`): samples the URLs it
 * is sent until it is told to stop, then sends back every answer and leaves.
 */
process.once('message', (request: BystanderRequest) => {
  const samplers = request.urls.map(url => sampleGets(url, request))
  process.send?.('sampling')
  process.once('message', () => {
    void Promise.all(samplers.map(async sampler => sampler.stop())).then(answers => {
      process.send?.(answers, () => { process.disconnect() })
    })
  })
})
