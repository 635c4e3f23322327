"""Simulated platforms for the demo and the end-to-end tests.

Pull gateways, each signing its answers with the platform's key (`gateway.SignedGateway`):
`pinduoduo.PinduoduoSimulator` serves Pinduoduo's incremental after-sales list
(pdd.refund.list.increment.get), `taobao.TaobaoSimulator` Taobao's taobao.refunds.receive.get and
`douyin.DouyinSimulator` Douyin's afterSale/List; the hub polls them. `jd.JdSimulator` is a JD
back-end that reads the hub's JD feed and pushes its after-sales service updates, and
`kuaishou.KuaishouSimulator` a Kuaishou shop that pushes its refund records. `traffic` generates
realistic status progressions for each.
"""
